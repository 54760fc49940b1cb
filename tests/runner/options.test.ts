import { expect, test } from '@jest/globals';
import { resolveOptions } from '../../testsupport/config/options.ts';
import { ConfigError, mark } from '../../testsupport/index.ts';
import { parseRunnerArgs } from '../../testsupport/jest/runner-args.ts';
import { runFixtures, runnerTestTimeout } from './run-fixtures.ts';

mark('no_deploy').describe('runner options', () => {
  test('the namespace is ci, ci-$CI_JOB_ID in CI, or what --test-namespace says', () => {
    expect(resolveOptions({}, {}).testNamespace).toBe('ci');
    expect(resolveOptions({}, { CI_JOB_ID: '4711' }).testNamespace).toBe('ci-4711');
    expect(resolveOptions({ testNamespace: 'mine' }, { CI_JOB_ID: '4711' }).testNamespace).toBe('mine');
    expect(resolveOptions({}, { CHART_TESTWARE_NAMESPACE: 'from-env' }).testNamespace).toBe('from-env');
  });

  test('bad values are errors that name the input and what to do', () => {
    expect(() => resolveOptions({ keep: 'sometimes' }, {})).toThrow(
      /--keep "sometimes" is not a keep policy\n {2}hint: use one of: never, on-failure, always/,
    );
    expect(() => resolveOptions({ testNamespace: 'CI_Job' }, {})).toThrow(ConfigError);
    expect(() => parseRunnerArgs(['--marker'])).toThrow(/--marker needs a value/);
    expect(() => parseRunnerArgs(['--all', '--marker', 'no_deploy'])).toThrow(/cannot be combined/);
    expect(() => parseRunnerArgs(['--local-cluster', 'maybe'])).toThrow(/use auto, always or never/);
  });

  test('flags take both forms, and the rest goes to Jest in order', () => {
    const args = parseRunnerArgs(['--marker=no_deploy', '--keep', 'always', '-t', 'x', '--runInBand', 'tests/helm']);
    expect(args.flags).toEqual({ marker: 'no_deploy', keep: 'always' });
    expect(args.jestArgs).toEqual(['-t', 'x', '--runInBand', 'tests/helm']);
  });

  test(
    'the runner turns a bad option into exit 4 and a readable line, not a stack trace',
    async () => {
      const run = await runFixtures(['--keep', 'sometimes']);
      expect(run.exitCode).toBe(4);
      expect(run.output).toContain('chart-testware: --keep "sometimes" is not a keep policy');
      expect(run.output).not.toMatch(/\n\s+at /);
    },
    runnerTestTimeout,
  );
});
