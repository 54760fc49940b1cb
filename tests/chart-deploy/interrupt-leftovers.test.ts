// Interrupts of the runner during a tango-base install, and a runner killed outright (as when a CI job pod is
// replaced) that only a janitor on another host can reclaim: by the run's heartbeat Lease going stale. Each must
// leave no namespace, PersistentVolume, StorageClass, cluster RBAC or node data directory of the run.
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { execa } from 'execa';
import { heartbeatStaleMs } from '../../testsupport/cluster/run-heartbeat.ts';
import { mark } from '../../testsupport/index.ts';
import { waitUntil } from '../../testsupport/kube/wait-until.ts';
import { projectRoot } from '../support/runner-process.ts';
import {
  childrenOf,
  groupAlive,
  interruptDuringInstall,
  killRun,
  leftoversOf,
  runNamespace,
  startRunnerOnAnotherHost,
  startRunnerRun,
  waitForLeftovers,
} from './interrupted-run.ts';

/**
 * `npm run janitor` as a fresh process on another host: its own UTS namespace with another host name (we run as
 * root), no run identity and no local state, so it cannot see that the run's process died: only the heartbeat
 * tells it.
 */
function janitorOnAnotherHost(id: string) {
  const env: Record<string, string | undefined> = { ...process.env, CHART_TESTWARE_RUN_ID: `janitor-${id}` };
  for (const name of ['CHART_TESTWARE_OPTIONS', 'CHART_TESTWARE_RUNNER_PID', 'JEST_WORKER_ID']) delete env[name];
  return execa(
    'unshare',
    [
      '--uts',
      '--',
      'sh',
      '-c',
      'hostname "$0" && exec "$@"',
      `ct-other-host-${id}`.slice(0, 60),
      process.execPath,
      path.join(projectRoot, 'testsupport', 'cli', 'janitor.ts'),
    ],
    { cwd: projectRoot, env, extendEnv: false, reject: false },
  );
}

mark('chart_deploy').describe('interrupting the runner', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`${signal} to the runner during a tango-base install leaves nothing behind and stops every test`, async () => {
      const namespace = runNamespace(`run-${signal.slice(3).toLowerCase()}`);
      const run = startRunnerRun(namespace);
      try {
        await interruptDuringInstall(run, namespace, signal, 'runner');
      } finally {
        killRun(run, 'runner');
      }
    }, 900_000);
  }

  test('after SIGKILL, a janitor on another host reclaims the run once its heartbeat stops, never before', async () => {
    const namespace = runNamespace('sigkill');
    const run = startRunnerOnAnotherHost(namespace);
    try {
      await waitForLeftovers(run, namespace);
      const alive = await janitorOnAnotherHost(namespace);
      expect({ exitCode: alive.exitCode, stderr: alive.stderr }).toEqual({ exitCode: 0, stderr: '' });
      expect(alive.stdout).toMatch(new RegExp(`left alone ${namespace}: heartbeat \\d+ s ago`));

      // the job is killed outright: the runner and Jest (its own process group) get no chance to clean up
      const jestPids = childrenOf(run.pid ?? 0);
      killRun(run, 'runner');
      await run;
      for (const pid of jestPids) await waitUntil(() => !groupAlive(pid), { timeout: 30_000, interval: 200 });
      const killedAt = Date.now();

      const justDead = await janitorOnAnotherHost(namespace);
      if (Date.now() - killedAt < heartbeatStaleMs - 10_000) {
        // its last beat is seconds old: to another host it still looks alive
        expect(justDead.stdout).toMatch(new RegExp(`left alone ${namespace}: heartbeat \\d+ s ago`));
        expect((await leftoversOf(namespace)).length).toBeGreaterThan(0);
      }

      const reclaimed = await waitUntil(
        async () => {
          const janitor = await janitorOnAnotherHost(namespace);
          if (janitor.exitCode !== 0) throw new Error(`janitor failed: ${janitor.stderr || janitor.stdout}`);
          return janitor.stdout.includes(`deleted ${namespace}:`) ? janitor.stdout : undefined;
        },
        { timeout: heartbeatStaleMs + 240_000, interval: 5_000, description: `a janitor to reclaim ${namespace}` },
      );
      expect(reclaimed).toMatch(new RegExp(`deleted ${namespace}: no heartbeat for \\d+ s`));
      expect(await leftoversOf(namespace)).toEqual([]);
    } finally {
      killRun(run, 'runner');
    }
  }, 900_000);
});
