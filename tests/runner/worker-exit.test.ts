// Jest's "A worker process has failed to exit gracefully" at the end of a run: the preset gives workers 10 s to
// exit (a loaded machine takes ~1 s to free a worker's heap, past Jest's 0.5 s default), and the message still
// reports a test that leaves a handle open.
import { expect, test } from '@jest/globals';
import { mark } from '../../testsupport/index.ts';
import { jestPreset } from '../../testsupport/jest/jest-preset.ts';
import { runFixtures, runnerTestTimeout } from './run-fixtures.ts';

const forceExited = 'A worker process has failed to exit gracefully';

mark('no_deploy').describe('worker exit at the end of a run', () => {
  test('the preset waits 10 s for a worker to exit', () => {
    expect(jestPreset().workerGracefulExitTimeout).toBe(10_000);
  });

  test(
    'two workers that leave nothing open exit without the message; a leaked timer still gets it',
    async () => {
      const clean = await runFixtures(['--maxWorkers=2'], 'worker-exit');
      expect(clean.exitCode).toBe(0);
      expect(clean.ran).toHaveLength(2);
      expect(clean.output).not.toContain(forceExited);

      const leaky = await runFixtures(['--maxWorkers=2'], 'worker-exit', { CHART_TESTWARE_FIXTURE_LEAK: '1' });
      expect(leaky.ran).toHaveLength(2);
      expect(leaky.output).toContain(forceExited);
    },
    runnerTestTimeout,
  );
});
