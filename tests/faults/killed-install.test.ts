import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { execa } from 'execa';
import { mark } from '../../testsupport/index.ts';
import { giveUp, waitUntil } from '../../testsupport/kube/wait-until.ts';
import { projectRoot } from '../support/runner-process.ts';
import {
  endOf,
  gatedInstall,
  leftoversOf,
  namespaceGone,
  podReady,
  runFixtures,
  tempFile,
  uniqueName,
  waitForReadinessWait,
} from './fault-support.ts';

/** Kills the runner and every process group it started (Jest runs in its own), as an OOM killer or `kill -9` would. */
function killHard(pid: number): void {
  let children: string[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    // already gone
  }
  process.kill(pid, 'SIGKILL');
  for (const child of children) {
    try {
      process.kill(-Number(child), 'SIGKILL');
    } catch {
      try {
        process.kill(Number(child), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

mark('chart_deploy').describe('faults mid-run: the runner is killed', () => {
  // Written against behaviour, not the janitor's rules for when a run is dead (a process check, a heartbeat):
  // the janitor is run until it reclaims the namespace, within minutes.
  test('SIGKILL mid-install: the janitor removes the namespace, its volume and its cluster RBAC', async () => {
    const namespace = uniqueName('ct-killed');
    const release = uniqueName('gated');
    const run = runFixtures([gatedInstall], ['--test-namespace', namespace], {
      CT_FAULT_RELEASE: release,
      CT_FAULT_RESULT: tempFile('ct-killed', 'result.json'),
    });
    try {
      const pod = await waitForReadinessWait(namespace, release, endOf(run));
      // mid-install: helm has created everything, ChartDeployment.install is still waiting for readiness
      expect(podReady(pod)).toBe(false);
      const before = await leftoversOf(namespace);
      expect(before).toEqual(
        expect.arrayContaining([
          `Namespace ${namespace}`,
          `PersistentVolume ${release}-${namespace}`,
          `Role ${release}-reader`,
          `ClusterRole ${release}-${namespace}-nodes`,
        ]),
      );
      if (run.pid === undefined) throw new Error('the runner has no pid');
      killHard(run.pid);
      await run;
      expect(await namespaceGone(namespace)).toBe(false);

      const env: Record<string, string | undefined> = { ...process.env };
      for (const name of ['CHART_TESTWARE_OPTIONS', 'CHART_TESTWARE_RUN_ID', 'CHART_TESTWARE_RUNNER_PID']) {
        delete env[name];
      }
      const janitorRuns: string[] = [];
      await waitUntil(
        async () => {
          const janitor = await execa(process.execPath, [path.join(projectRoot, 'testsupport', 'cli', 'janitor.ts')], {
            env,
            extendEnv: false,
            reject: false,
            all: true,
          });
          janitorRuns.push(`exit ${janitor.exitCode}: ${janitor.all}`);
          if (janitor.exitCode !== 0) giveUp(`the janitor failed: ${janitor.all}`);
          return (await leftoversOf(namespace)).length === 0;
        },
        { timeout: 300_000, interval: 5_000, description: `the janitor to reclaim ${namespace}` },
      ).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}\njanitor runs:\n${janitorRuns.slice(-3).join('\n')}`);
      });
      expect(janitorRuns.some((line) => line.includes(namespace))).toBe(true);
    } finally {
      run.kill('SIGKILL');
    }
  }, 600_000);
});
