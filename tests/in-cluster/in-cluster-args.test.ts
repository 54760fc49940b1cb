// The in-cluster flags are checked before anything slow: one line naming the flag as given, exit 4, no cluster.
import { expect, test } from '@jest/globals';
import { mark } from '../../testsupport/index.ts';
import { checkInClusterImage, takeInClusterArgs } from '../../testsupport/jest/in-cluster-args.ts';
import { startRunner } from '../support/runner-process.ts';
import { closedLoopbackPort, writeKubeconfig } from '../support/scratch-kubeconfig.ts';

mark('no_deploy').describe('--in-cluster, --shards, --image', () => {
  test('are taken out of the arguments; the rest goes on to the runner and Jest unchanged', () => {
    expect(takeInClusterArgs(['--in-cluster', '--shards', '3', '-m', 'chart_deploy', 'tests/x'])).toEqual({
      inCluster: { shards: 3, image: undefined },
      rest: ['-m', 'chart_deploy', 'tests/x'],
    });
    expect(takeInClusterArgs(['--in-cluster', '--image=node:24-bookworm-slim']).inCluster).toEqual({
      shards: 1,
      image: 'node:24-bookworm-slim',
    });
    expect(takeInClusterArgs(['tests/x', '--', '--shards'])).toEqual({
      inCluster: undefined,
      rest: ['tests/x', '--', '--shards'],
    });
  });

  test.each([
    [['--in-cluster', '--shards', '0'], '--shards "0" is not a number of shards'],
    [['--in-cluster', '--shards=two'], '--shards "two" is not a number of shards'],
    [['--in-cluster', '--shards', '17'], '--shards "17" is not a number of shards'],
    [['--in-cluster', '--shards'], '--shards needs a value'],
    [['--shards', '2'], '--shards only applies to --in-cluster runs'],
    [['--image', 'node:24'], '--image only applies to --in-cluster runs'],
    [['--in-cluster', '--image', 'no spaces allowed'], '--image "no spaces allowed" is not an image reference'],
    [['--in-cluster', '--shard=1/2'], "Jest's --shard=1/2 cannot be combined with --in-cluster"],
    [['--in-cluster', '--namespace-per-file'], '--namespace-per-file cannot be combined with --in-cluster'],
    [['--in-cluster=yes'], '--in-cluster takes no value'],
  ])('%j is refused: %s', (args, message) => {
    expect(() => takeInClusterArgs(args)).toThrow(message);
  });

  test('without --image only the embedded cluster will do', async () => {
    await expect(checkInClusterImage({ shards: 2, image: undefined }, false)).rejects.toThrow(
      '--in-cluster on a cluster other than the embedded one needs --image',
    );
    await expect(checkInClusterImage({ shards: 2, image: undefined }, true)).resolves.toBeUndefined();
    await expect(checkInClusterImage({ shards: 2, image: 'node:24' }, false)).resolves.toBeUndefined();
  });

  test('the runner answers a bad flag with exit 4 before it calls the cluster', async () => {
    // a kubeconfig whose server is a closed port: any cluster call would fail differently (exit 1)
    const kubeconfig = writeKubeconfig({ server: `https://127.0.0.1:${await closedLoopbackPort()}` });
    for (const [args, message] of [
      [['--in-cluster', '--shards', 'x'], 'chart-testware: --shards "x" is not a number of shards'],
      [
        ['--in-cluster', '--shards', '2'],
        'chart-testware: --in-cluster on a cluster other than the embedded one needs --image',
      ],
    ] as const) {
      const run = await startRunner([...args, '--marker', 'chart_deploy', 'tests/none'], { KUBECONFIG: kubeconfig });
      expect({ exitCode: run.exitCode, output: run.all }).toMatchObject({ exitCode: 4 });
      expect(run.all).toContain(message);
      expect(run.all).not.toContain('answers');
    }
  }, 120_000);
});
