// The Test stage's runner options (--deployed-namespace, --release) and GitLab's `parallel: N` as Jest shards:
// how they resolve, and the clear errors for bad values, before anything slow starts.
import { expect, test } from '@jest/globals';
import { noJobNamespaceError } from '../../testsupport/cluster/no-job-namespace-error.ts';
import { resolveOptions } from '../../testsupport/config/options.ts';
import { ConfigError, mark } from '../../testsupport/index.ts';
import { ciShard, ciShardArgs } from '../../testsupport/jest/ci-shard.ts';
import { parseRunnerArgs } from '../../testsupport/jest/runner-args.ts';
import { runFixtures, runnerTestTimeout } from './run-fixtures.ts';

mark('no_deploy').describe('Test-stage options', () => {
  test('--deployed-namespace and --release, or their env vars, and where each came from', () => {
    const args = parseRunnerArgs(['--deployed-namespace', 'ska-mid', '--release=tango', '-t', 'x']);
    expect(args.flags).toEqual({ deployedNamespace: 'ska-mid', release: 'tango' });
    expect(args.jestArgs).toEqual(['-t', 'x']);
    const fromFlags = resolveOptions(args.flags, {});
    expect(fromFlags).toMatchObject({ deployedNamespace: 'ska-mid', deployedRelease: 'tango' });
    expect(fromFlags.sources).toMatchObject({
      deployedNamespace: '--deployed-namespace',
      deployedRelease: '--release',
    });

    const fromEnv = resolveOptions(
      {},
      { CHART_TESTWARE_DEPLOYED_NAMESPACE: 'ska-low', CHART_TESTWARE_DEPLOYED_RELEASE: 'sdp' },
    );
    expect(fromEnv).toMatchObject({ deployedNamespace: 'ska-low', deployedRelease: 'sdp' });
    expect(fromEnv.sources.deployedNamespace).toBe('CHART_TESTWARE_DEPLOYED_NAMESPACE');
    expect(resolveOptions({}, {})).toMatchObject({ deployedNamespace: undefined, deployedRelease: undefined });
    // a job namespace from the CI-wide variable does not conflict: it is simply not made
    expect(
      resolveOptions({ deployedNamespace: 'ska-mid' }, { CHART_TESTWARE_NAMESPACE: 'ci-1', CI_JOB_ID: '1' }),
    ).toMatchObject({ deployedNamespace: 'ska-mid' });
  });

  test('bad Test-stage input names the flag or env var and what to do', () => {
    expect(() => resolveOptions({ deployedNamespace: 'SKA_Mid' }, {})).toThrow(
      /--deployed-namespace "SKA_Mid" is not a valid Kubernetes namespace name\n {2}hint: name the namespace/,
    );
    expect(() => resolveOptions({}, { CHART_TESTWARE_DEPLOYED_NAMESPACE: ' ' })).toThrow(
      /CHART_TESTWARE_DEPLOYED_NAMESPACE is set but blank/,
    );
    expect(() => resolveOptions({ release: 'tango' }, {})).toThrow(/--release "tango" needs --deployed-namespace/);
    expect(() => resolveOptions({}, { CHART_TESTWARE_DEPLOYED_RELEASE: 'tango' })).toThrow(
      /CHART_TESTWARE_DEPLOYED_RELEASE "tango" needs --deployed-namespace/,
    );
    expect(() => resolveOptions({ deployedNamespace: 'ska', release: 'Tango_1' }, {})).toThrow(
      /--release "Tango_1" is not a valid helm release name/,
    );
    expect(() => resolveOptions({ deployedNamespace: 'ska', release: 'a'.repeat(54) }, {})).toThrow(ConfigError);
    expect(() => resolveOptions({ deployedNamespace: 'ska', keep: 'always', testNamespace: 'x' }, {})).toThrow(
      /--test-namespace and --keep cannot be combined with --deployed-namespace "ska"\n {2}hint: a run against a deployed namespace creates no job namespace/,
    );
    expect(() => parseRunnerArgs(['--deployed-namespace'])).toThrow(/--deployed-namespace needs a value/);
  });

  test('asking a Test-stage run for a job namespace is an error that says why', () => {
    const options = resolveOptions({}, { CHART_TESTWARE_DEPLOYED_NAMESPACE: 'ska-mid' });
    expect(noJobNamespaceError(options).message).toMatch(
      /^no job namespace in this run: it tests the system deployed in ska-mid \(CHART_TESTWARE_DEPLOYED_NAMESPACE\)/,
    );
  });

  test(
    'the runner refuses a bad --deployed-namespace with exit 4 and one line, before any cluster call',
    async () => {
      const run = await runFixtures(['--deployed-namespace', 'Not_A_Namespace']);
      expect(run.exitCode).toBe(4);
      expect(run.output).toContain('chart-testware: --deployed-namespace "Not_A_Namespace" is not a valid');
      expect(run.output).not.toContain('answers;');
      expect(run.output).not.toMatch(/\n\s+at /);
    },
    runnerTestTimeout,
  );
});

mark('no_deploy').describe("GitLab's parallel: N as Jest shards", () => {
  test('CI_NODE_INDEX/CI_NODE_TOTAL (1-based) become --shard=i/N, unless the user gave --shard', () => {
    expect(ciShardArgs([], { CI_NODE_INDEX: '2', CI_NODE_TOTAL: '3' })).toEqual(['--shard=2/3']);
    expect(ciShard([], { CI_NODE_INDEX: '3', CI_NODE_TOTAL: '3' })).toEqual({ index: 3, total: 3 });
    expect(ciShardArgs(['--shard=1/1'], { CI_NODE_INDEX: '2', CI_NODE_TOTAL: '3' })).toEqual([]);
    expect(ciShardArgs(['--shard', '1/2'], { CI_NODE_INDEX: '2', CI_NODE_TOTAL: '3' })).toEqual([]);
    // a job without `parallel`: GitLab sets CI_NODE_TOTAL=1 and no index
    expect(ciShardArgs([], { CI_NODE_TOTAL: '1' })).toEqual([]);
    expect(ciShardArgs([], {})).toEqual([]);
  });

  test('bad values are errors naming the variable', () => {
    const bad: [Record<string, string>, RegExp][] = [
      [
        { CI_NODE_INDEX: '0', CI_NODE_TOTAL: '3' },
        /CI_NODE_INDEX "0" is not a job index from 1 to CI_NODE_TOTAL \(3\)/,
      ],
      [{ CI_NODE_INDEX: '4', CI_NODE_TOTAL: '3' }, /CI_NODE_INDEX "4" is not a job index/],
      [{ CI_NODE_INDEX: 'two', CI_NODE_TOTAL: '3' }, /CI_NODE_INDEX "two" is not a job index/],
      [{ CI_NODE_INDEX: '1', CI_NODE_TOTAL: 'x' }, /CI_NODE_TOTAL "x" is not a number of parallel jobs/],
      [{ CI_NODE_INDEX: '1', CI_NODE_TOTAL: '0' }, /CI_NODE_TOTAL "0" is not a number of parallel jobs/],
      [{ CI_NODE_INDEX: '1' }, /CI_NODE_INDEX "1" is set but CI_NODE_TOTAL is not/],
      [{ CI_NODE_TOTAL: '3' }, /CI_NODE_TOTAL "3" is set but CI_NODE_INDEX is not/],
      [{ CI_NODE_INDEX: '', CI_NODE_TOTAL: '3' }, /CI_NODE_INDEX "" is not a job index/],
    ];
    for (const [env, message] of bad) {
      expect(() => ciShard([], env)).toThrow(ConfigError);
      expect(() => ciShard([], env)).toThrow(message);
    }
  });

  test('each parallel job has its own job namespace: GitLab gives each its own CI_JOB_ID', () => {
    const shardOne = resolveOptions({}, { CI_JOB_ID: '9001', CI_NODE_INDEX: '1', CI_NODE_TOTAL: '2' });
    const shardTwo = resolveOptions({}, { CI_JOB_ID: '9002', CI_NODE_INDEX: '2', CI_NODE_TOTAL: '2' });
    expect([shardOne.testNamespace, shardTwo.testNamespace]).toEqual(['ci-9001', 'ci-9002']);
  });

  test(
    'the runner shares the files out: every test in exactly one shard, an empty shard passes, a bad index is exit 4',
    async () => {
      const ran: string[][] = [];
      for (const index of [1, 2, 3, 4]) {
        const run = await runFixtures([], 'shards', {
          CI_NODE_INDEX: String(index),
          CI_NODE_TOTAL: '4',
          CI_JOB_ID: `900${index}`,
          CHART_TESTWARE_NAMESPACE: undefined,
        });
        expect({ index, exitCode: run.exitCode, output: run.output }).toMatchObject({ index, exitCode: 0 });
        expect(run.output).toContain(`Jest --shard=${index}/4`);
        expect(run.output).toContain(`job namespace ci-900${index}`);
        // Jest's shards of 3 files over 4 jobs: one file each for three of them, none for the last
        if (index === 4)
          expect(run.output).toContain('--shard=4/4 holds none of the 3 test files; nothing to run here');
        ran.push(run.ran);
      }
      expect(ran.flat().sort()).toEqual(['shard file one', 'shard file three', 'shard file two']);
      expect(ran.map((tests) => tests.length)).toEqual([1, 1, 1, 0]);

      const typo = await runFixtures([], 'no-such-folder', { CI_NODE_INDEX: '1', CI_NODE_TOTAL: '2' });
      expect(typo.exitCode).toBe(1);

      const bad = await runFixtures([], 'shards', { CI_NODE_INDEX: '0', CI_NODE_TOTAL: '4' });
      expect(bad.exitCode).toBe(4);
      expect(bad.output).toContain('chart-testware: CI_NODE_INDEX "0" is not a job index from 1 to CI_NODE_TOTAL (4)');
    },
    8 * runnerTestTimeout,
  );
});
