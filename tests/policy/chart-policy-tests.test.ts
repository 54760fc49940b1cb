// chartPolicyTests generates one test per check (plus renders and waivers); run in a child Jest, as a user runs them.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, expect } from '@jest/globals';
import { execa } from 'execa';
import { mark } from '../../testsupport/index.ts';
import { policyCatalogue } from '../../testsupport/policy/catalogue.ts';

const projectRoot = path.resolve(import.meta.dirname, '..', '..');

interface Assertion {
  ancestorTitles: string[];
  title: string;
  status: string;
  failureMessages: string[];
}

mark('no_deploy').describe('chartPolicyTests', () => {
  let results: Assertion[] = [];
  let output = '';
  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'policy-generated-'));
    const outputFile = path.join(dir, 'results.json');
    // A run of its own: the failures it provokes on purpose must not count in the runner's run around this test.
    const env: Record<string, string | undefined> = {
      ...process.env,
      CI: 'true',
      CHART_TESTWARE_REPORTS_DIR: path.join(dir, 'reports'),
    };
    for (const name of [
      'CHART_TESTWARE_OPTIONS',
      'CHART_TESTWARE_RUN_ID',
      'CHART_TESTWARE_MARKER',
      'CHART_TESTWARE_RUNNER_PID',
    ])
      delete env[name];
    const run = await execa(
      process.execPath,
      [
        '--experimental-vm-modules',
        '--disable-warning=ExperimentalWarning',
        path.join(projectRoot, 'node_modules', 'jest', 'bin', 'jest.js'),
        '--config',
        path.join(projectRoot, 'tests', 'fixtures', 'policy', 'jest', 'jest.config.ts'),
        '--json',
        `--outputFile=${outputFile}`,
      ],
      { cwd: projectRoot, reject: false, all: true, env, extendEnv: false },
    );
    output = run.all ?? '';
    const json = JSON.parse(readFileSync(outputFile, 'utf8')) as { testResults: { assertionResults: Assertion[] }[] };
    results = json.testResults.flatMap((file) => file.assertionResults);
  }, 180_000);

  const of = (chart: string): Assertion[] =>
    results.filter((result) => result.ancestorTitles.at(-1) === `chart policy tests/fixtures/policy/${chart}`);
  const one = (chart: string, title: string): Assertion => {
    const found = of(chart).find((result) => result.title === title);
    if (!found)
      throw new Error(
        `no test "${title}" for ${chart}; have: ${of(chart)
          .map((result) => result.title)
          .join(', ')}\n${output.slice(-3000)}`,
      );
    return found;
  };

  mark('no_deploy').test(
    'one test per check, named "policy <id>", plus the renders and the waivers; all pass on the good chart',
    () => {
      const good = of('good');
      expect(good.map((result) => result.title)).toEqual([
        'policy render default',
        'policy render image-values-changed',
        ...policyCatalogue.map((check) => `policy ${check.id}`),
        'policy waivers',
      ]);
      expect(good.filter((result) => result.status !== 'passed')).toEqual([]);
    },
  );

  mark('no_deploy').test(
    'an error finding fails its test with object, template and fix; warnings pass and are printed',
    () => {
      const failed = one('bad-objects', 'policy image-parameterised');
      expect(failed.status).toBe('failed');
      const message = failed.failureMessages.join('\n');
      expect(message).toMatch(/Deployment\/pr[0-9a-f]+-image-parameterised in bad-objects\/templates\/images\.yaml/);
      expect(message).toContain('fix: template the image from values');
      expect(one('bad-objects', 'policy no-host-path').status).toBe('passed');
      expect(one('bad-objects', 'policy capabilities-dropped').status).toBe('passed');
      expect(output).toContain('no-host-path [warning]');
    },
  );

  mark('no_deploy').test("failOn: 'warning' fails warnings too, never info", () => {
    expect(one('bad-chart-meta', 'policy chart-api-v2').status).toBe('failed');
    expect(one('bad-chart-meta', 'policy values-documented').status).toBe('passed');
  });

  mark('no_deploy').test(
    'a chart that needs a value it lacks fails "policy render default" with helm\'s message, not a crash',
    () => {
      const render = one('needs-value', 'policy render default');
      expect(render.status).toBe('failed');
      expect(render.failureMessages.join('\n')).toMatch(
        /needs-value\/templates\/configmap\.yaml.*database\.host is required/s,
      );
      expect(one('needs-value', 'policy chart-name').status).toBe('passed');
      expect(one('needs-value', 'policy labels-standard').failureMessages.join('\n')).toContain(
        'not evaluated: the chart did not render',
      );
    },
  );

  mark('no_deploy').test('a waiver that matches nothing fails "policy waivers"', () => {
    const waivers = one('waived', 'policy waivers');
    expect(waivers.status).toBe('failed');
    expect(waivers.failureMessages.join('\n')).toMatch(/1 waiver\(s\) match no finding.*no-host-path/s);
    expect(one('waived', 'policy credentials-in-secrets').status).toBe('passed');
  });

  mark('no_deploy').test('a path that is not a chart gives one failing "policy input" test', () => {
    const input = one('no-such-chart', 'policy input');
    expect(input.status).toBe('failed');
    expect(input.failureMessages.join('\n')).toContain('does not exist');
    expect(of('no-such-chart')).toHaveLength(1);
  });
});
