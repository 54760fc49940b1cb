// Bad runner input, as the bad-input survey (rows 6, 19-29, 32) tried it: each is refused with one message that
// names the input as the user gave it (flag, env var), before any cluster is built or reached.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { resolveOptions } from '../../testsupport/config/options.ts';
import { ConfigError, mark } from '../../testsupport/index.ts';
import { installedJestOptions } from '../../testsupport/jest/jest-flags.ts';
import { prepareReportsDir } from '../../testsupport/jest/reports-dir.ts';
import { parseRunnerArgs } from '../../testsupport/jest/runner-args.ts';
import { checkRunnerEnv } from '../../testsupport/jest/runner-env.ts';
import { runFixtures, runnerTestTimeout } from './run-fixtures.ts';

mark('no_deploy').describe('runner options from the environment name the env var', () => {
  test('CHART_TESTWARE_KEEP, not --keep', () => {
    expect(() => resolveOptions({}, { CHART_TESTWARE_KEEP: 'sometimes' })).toThrow(
      /^CHART_TESTWARE_KEEP "sometimes" is not a keep policy\n {2}hint: use one of: never, on-failure, always/,
    );
    expect(() => resolveOptions({ keep: 'sometimes' }, {})).toThrow(/^--keep "sometimes"/);
  });

  test('CHART_TESTWARE_NAMESPACE, not --test-namespace', () => {
    expect(() => resolveOptions({}, { CHART_TESTWARE_NAMESPACE: 'Team_A' })).toThrow(
      /^CHART_TESTWARE_NAMESPACE "Team_A" is not a valid Kubernetes namespace name/,
    );
  });

  test('a CI_JOB_ID too long for a namespace names CI_JOB_ID and how to choose the namespace instead', () => {
    const jobId = '1'.repeat(62);
    expect(() => resolveOptions({}, { CI_JOB_ID: jobId })).toThrow(
      new RegExp(
        `^CI_JOB_ID "${jobId}" makes the job namespace "ci-${jobId}", which is not a valid .*\\n.*set CHART_TESTWARE_NAMESPACE or pass --test-namespace`,
      ),
    );
    expect(resolveOptions({}, { CI_JOB_ID: jobId, CHART_TESTWARE_NAMESPACE: 'ci-short' }).testNamespace).toBe(
      'ci-short',
    );
  });

  test.each([
    'CHART_TESTWARE_MARKER',
    'CHART_TESTWARE_NAMESPACE',
    'CHART_TESTWARE_KEEP',
    'CHART_TESTWARE_KUBE_CONTEXT',
    'CHART_TESTWARE_REPORTS_DIR',
  ])('%s set but blank is an error, not "unset"', (name) => {
    expect(() => resolveOptions({}, { [name]: '   ' })).toThrow(new RegExp(`^${name} is set but blank`));
    expect(() => resolveOptions({}, { [name]: '' })).toThrow(new RegExp(`^${name} is set but empty`));
  });

  test('CHART_TESTWARE_NAMESPACE_PER_FILE must be true or false', () => {
    expect(() => resolveOptions({}, { CHART_TESTWARE_NAMESPACE_PER_FILE: 'yes' })).toThrow(
      /CHART_TESTWARE_NAMESPACE_PER_FILE "yes" is neither true nor false/,
    );
    expect(resolveOptions({}, { CHART_TESTWARE_NAMESPACE_PER_FILE: 'true' }).namespacePerFile).toBe(true);
  });

  test(
    'a marker expression from CHART_TESTWARE_MARKER is blamed on it',
    async () => {
      const run = await runFixtures([], 'markers', { CHART_TESTWARE_MARKER: 'nosuch' });
      expect(run.exitCode).toBe(4);
      expect(run.output).toContain('unknown marker "nosuch" in CHART_TESTWARE_MARKER "nosuch"');
    },
    runnerTestTimeout,
  );

  test(
    'a whitespace-only CHART_TESTWARE_MARKER stops the runner before Jest (no default selection)',
    async () => {
      const run = await runFixtures([], 'markers', { CHART_TESTWARE_MARKER: '   ' });
      expect(run.exitCode).toBe(4);
      expect(run.output).toContain('chart-testware: CHART_TESTWARE_MARKER is set but blank');
      expect(run.junit).toBe('');
    },
    runnerTestTimeout,
  );
});

mark('no_deploy').describe('env vars read deep inside a run are checked when the runner starts', () => {
  test('cache folder, render cache limits, run state, echo server image, Elasticsearch version', () => {
    expect(() => checkRunnerEnv({ CHART_TESTWARE_CACHE_DIR: '' })).toThrow(
      /^CHART_TESTWARE_CACHE_DIR is set but empty/,
    );
    expect(() => checkRunnerEnv({ CHART_TESTWARE_CACHE_DIR: path.resolve('package.json') })).toThrow(
      /^CHART_TESTWARE_CACHE_DIR .*package\.json is a file, not a folder/,
    );
    expect(() => checkRunnerEnv({ CHART_TESTWARE_RENDER_CACHE_MAX_MB: 'lots' })).toThrow(
      /^CHART_TESTWARE_RENDER_CACHE_MAX_MB "lots" is not a number of megabytes/,
    );
    expect(() => checkRunnerEnv({ CHART_TESTWARE_KEEP_RUN_STATE: 'yes' })).toThrow(
      /^CHART_TESTWARE_KEEP_RUN_STATE "yes" is neither true nor false/,
    );
    expect(() => checkRunnerEnv({ CHART_TESTWARE_ECHO_SERVER_IMAGE: ' ' })).toThrow(
      /^CHART_TESTWARE_ECHO_SERVER_IMAGE is set but blank/,
    );
    expect(() => checkRunnerEnv({ CHART_TESTWARE_ELASTICSEARCH_VERSION: 'banana' })).toThrow(
      /^CHART_TESTWARE_ELASTICSEARCH_VERSION="banana" is not a version/,
    );
    expect(() =>
      checkRunnerEnv({
        CHART_TESTWARE_CACHE_DIR: os.tmpdir(),
        CHART_TESTWARE_KEEP_RUN_STATE: 'true',
        CHART_TESTWARE_ELASTICSEARCH_VERSION: '8.19.2',
      }),
    ).not.toThrow();
  });
});

mark('no_deploy').describe("runner flags: unknown ones are errors, Jest's own keep working", () => {
  test(
    'a typo of a runner flag is an error with a did-you-mean, before anything runs',
    async () => {
      expect(() => parseRunnerArgs(['--markr', 'no_deploy'])).toThrow(
        /^unknown option --markr; did you mean --marker\?/,
      );
      expect(() => parseRunnerArgs(['--kube-contxt=x'])).toThrow(/did you mean --kube-context\?/);
      expect(() => parseRunnerArgs(['--runInBnd'])).toThrow(/unknown option --runInBnd; did you mean --runInBand\?/);
      expect(() => parseRunnerArgs(['--no-such-flag'])).toThrow(ConfigError);
      const run = await runFixtures(['--markr', 'no_deploy']);
      expect(run.exitCode).toBe(4);
      expect(run.output).toContain('chart-testware: unknown option --markr; did you mean --marker?');
      expect(run.output).not.toContain('embedded local cluster');
      expect(run.junit).toBe('');
    },
    runnerTestTimeout,
  );

  test('the flags the installed Jest defines pass, in every spelling yargs takes', () => {
    const args = [
      '-t',
      'x',
      '--runInBand',
      '-i',
      '--no-cache',
      '--max-workers=2',
      '-w',
      '50%',
      '--testTimeout',
      '5000',
      '--seed',
      '-5',
      '--ci=false',
      '--selectProjects',
      'a',
      'b',
      '--',
      '--whatever',
      'tests/helm',
    ];
    expect(parseRunnerArgs(args).jestArgs).toEqual(args);
  });

  test('the list comes from jest-cli itself, not a copy', () => {
    const jest = installedJestOptions();
    expect(jest.get('--testNamePattern')?.name).toBe('testNamePattern');
    expect(jest.get('-t')?.name).toBe('testNamePattern');
    expect(jest.get('--test-name-pattern')?.name).toBe('testNamePattern');
    expect(jest.size).toBeGreaterThan(150);
  });

  test('a number option of Jest with a value that is not a number is refused', () => {
    expect(() => parseRunnerArgs(['--maxWorkers=abc'])).toThrow(/^--maxWorkers "abc" is not a number of workers/);
    expect(() => parseRunnerArgs(['-w', 'many'])).toThrow(/^-w "many" is not a number of workers/);
    expect(() => parseRunnerArgs(['--testTimeout', 'soon'])).toThrow(/^--testTimeout "soon" is not a number/);
  });

  test('values Jest would take badly are refused with the flag named: switches, shards, seeds, regular expressions', () => {
    expect(() => parseRunnerArgs(['--bail=abc'])).toThrow(/^--bail "abc" is not a value --bail takes/);
    expect(parseRunnerArgs(['--bail=3', '--bail']).jestArgs).toEqual(['--bail=3', '--bail']);
    expect(() => parseRunnerArgs(['--ci=abc'])).toThrow(
      /^--ci "abc" is not a value --ci takes\n {2}hint: write --ci alone/,
    );
    expect(() => parseRunnerArgs(['--shard=3/2'])).toThrow(/^--shard "3\/2" is not a shard/);
    expect(() => parseRunnerArgs(['--shard', '0/2'])).toThrow(/^--shard "0\/2" is not a shard/);
    expect(() => parseRunnerArgs(['--shard=half'])).toThrow(/^--shard "half" is not a shard/);
    expect(parseRunnerArgs(['--shard=2/3']).jestArgs).toEqual(['--shard=2/3']);
    expect(() => parseRunnerArgs(['--seed', '99999999999999'])).toThrow(/^--seed "99999999999999" is out of range/);
    // Jest would run every test ("Invalid testPattern ... Running all tests instead") or fail every file
    expect(() => parseRunnerArgs(['tests/a('])).toThrow(
      /^test path pattern "tests\/a\(" is not a regular expression: Unterminated group/,
    );
    expect(() => parseRunnerArgs(['-t', '('])).toThrow(/^-t "\(" is not a regular expression/);
    expect(() => parseRunnerArgs(['--testNamePattern=[a'])).toThrow(
      /^--testNamePattern "\[a" is not a regular expression/,
    );
  });

  test('watch mode without a terminal is refused (it would wait forever in CI)', () => {
    const tty = process.stdin.isTTY;
    process.stdin.isTTY = false;
    try {
      expect(() => parseRunnerArgs(['--watch'])).toThrow(/^--watch needs an interactive terminal/);
      expect(() => parseRunnerArgs(['--watchAll'])).toThrow(/^--watchAll needs an interactive terminal/);
    } finally {
      process.stdin.isTTY = tty;
    }
  });
});

mark('no_deploy').describe("the runner's own flags", () => {
  test('a value flag given twice is refused, not silently the last one', () => {
    expect(() => parseRunnerArgs(['--marker', 'no_deploy', '-m', 'chart_deploy'])).toThrow(
      /^-m is given twice: --marker "no_deploy", then -m "chart_deploy"\n {2}hint: give one expression, e\.g\. --marker "\(no_deploy\) or \(chart_deploy\)"/,
    );
    expect(() => parseRunnerArgs(['--test-namespace', 'a', '--test-namespace=b'])).toThrow(
      /^--test-namespace is given twice: --test-namespace "a", then --test-namespace "b"/,
    );
    expect(() => parseRunnerArgs(['--local-cluster', 'never', '--local-cluster', 'auto'])).toThrow(/given twice/);
  });

  test('a switch given a value is refused, not read as on', () => {
    expect(() => parseRunnerArgs(['--namespace-per-file=yes'])).toThrow(
      /^--namespace-per-file takes no value, got "--namespace-per-file=yes"/,
    );
    expect(() => parseRunnerArgs(['--all=false'])).toThrow(/^--all takes no value/);
    expect(parseRunnerArgs(['--all', '--namespace-per-file']).flags).toMatchObject({
      all: true,
      namespacePerFile: true,
    });
  });
});

mark('no_deploy').describe('--reports-dir that cannot be a folder', () => {
  test(
    'a file: an error naming --reports-dir, no stack trace',
    async () => {
      expect(() => prepareReportsDir(path.resolve('package.json'), '--reports-dir')).toThrow(
        /^--reports-dir .*package\.json cannot be used: .*package\.json is a file, not a folder/,
      );
      const run = await runFixtures(['--reports-dir', 'package.json', '--marker', 'no_deploy']);
      expect(run.exitCode).toBe(4);
      expect(run.output).toContain('chart-testware: --reports-dir package.json cannot be used');
      expect(run.output).not.toMatch(/\n\s+at /);
    },
    runnerTestTimeout,
  );

  test('under /proc: an error naming it, not a hang', () => {
    expect(() => prepareReportsDir('/proc/forbidden/reports', '--reports-dir')).toThrow(
      /^--reports-dir \/proc\/forbidden\/reports cannot be created: ENOENT at \/proc\/forbidden/,
    );
  });

  test('from the env var: blamed on CHART_TESTWARE_REPORTS_DIR', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'reports-file-'));
    const file = path.join(dir, 'a-file');
    writeFileSync(file, '');
    const options = resolveOptions({}, { CHART_TESTWARE_REPORTS_DIR: file });
    expect(options.sources.reportsDir).toBe('CHART_TESTWARE_REPORTS_DIR');
    expect(() => prepareReportsDir(options.reportsDir, options.sources.reportsDir)).toThrow(
      /^CHART_TESTWARE_REPORTS_DIR .* is a file, not a folder/,
    );
  });
});

mark('no_deploy').describe('exit codes CI can trust', () => {
  test(
    "a test path that matches no file fails with Jest's own message",
    async () => {
      const run = await runFixtures(['--marker', 'no_deploy'], 'no-such-fixture-xyz');
      expect(run.exitCode).not.toBe(0);
      expect(run.output).toContain('No tests found');
      expect(run.output).not.toContain('no test matches');
    },
    runnerTestTimeout,
  );
});
