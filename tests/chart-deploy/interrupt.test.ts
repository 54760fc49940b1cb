import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { execa } from 'execa';
import { nodesAreThisHost } from '../../testsupport/cluster/node-data.ts';
import { loadOptions } from '../../testsupport/config/options.ts';
import { mark } from '../../testsupport/index.ts';
import { apiStatus, kubeClients } from '../../testsupport/kube/kube-clients.ts';
import { giveUp, waitUntil } from '../../testsupport/kube/wait-until.ts';
import { projectRoot, startRunner } from '../support/runner-process.ts';

const slowTest = path.join('tests', 'chart-deploy', 'fixtures', 'slow-run.test.ts');

/** Starts the runner on the slow fixture test in its own namespace, as a person would from a shell. */
function startRun(namespace: string, readyFile: string): ReturnType<typeof startRunner> {
  return startRunner(
    ['--marker', 'chart_deploy', '--test-namespace', namespace, slowTest, '--testPathIgnorePatterns', '/node_modules/'],
    {
      CT_SLOW_RUN_READY: readyFile,
      CHART_TESTWARE_REPORTS_DIR: mkdtempSync(path.join(os.tmpdir(), 'ct-interrupt-reports-')),
    },
  );
}

async function namespaceGone(name: string): Promise<boolean> {
  try {
    await kubeClients().core.readNamespace({ name });
    return false;
  } catch (error) {
    return apiStatus(error) === 404;
  }
}

async function volumesOf(namespace: string): Promise<string[]> {
  return (await kubeClients().core.listPersistentVolume()).items
    .filter((pv) => pv.spec?.claimRef?.namespace === namespace)
    .map((pv) => pv.metadata?.name ?? '');
}

/** The all-kinds fixture's volume data on the node (`<hostPathBase>/<namespace>-<release>-db`). */
async function nodeDataLeft(namespace: string): Promise<string[]> {
  const base = '/tmp/chart-testware-fixtures';
  if (!(await nodesAreThisHost(loadOptions())) || !existsSync(base)) return [];
  return readdirSync(base).filter((entry) => entry.startsWith(`${namespace}-`));
}

async function waitForDeployed(run: ReturnType<typeof startRunner>, readyFile: string): Promise<void> {
  let ended: string | undefined;
  run.then((result) => {
    ended = `exit ${result.exitCode}: ${result.all?.slice(-3000)}`;
  });
  await waitUntil(
    () => {
      if (ended) giveUp(`the run ended before its test deployed: ${ended}`);
      return existsSync(readyFile) && readFileSync(readyFile, 'utf8').length > 0;
    },
    { timeout: 180_000, interval: 250, description: 'the slow test to deploy its chart' },
  );
}

mark('chart_deploy').describe('interrupted runs', () => {
  test('SIGINT in the middle of a run leaves no namespace and no volume behind', async () => {
    const namespace = `ct-sigint-${randomBytes(3).toString('hex')}`;
    const readyFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'ct-sigint-')), 'ready');
    const run = startRun(namespace, readyFile);
    try {
      await waitForDeployed(run, readyFile);
      expect(await namespaceGone(namespace)).toBe(false);
      expect(await nodeDataLeft(namespace)).toHaveLength((await nodesAreThisHost(loadOptions())) ? 1 : 0);
      expect(await volumesOf(namespace)).toHaveLength(1);
      run.kill('SIGINT');
      const result = await run;
      expect({ exitCode: result.exitCode, output: result.all?.slice(-2000) }).toMatchObject({ exitCode: 130 });
      // the runner waited for the deletion before it exited
      expect(await namespaceGone(namespace)).toBe(true);
      expect(await volumesOf(namespace)).toEqual([]);
      expect(await nodeDataLeft(namespace)).toEqual([]);
    } finally {
      run.kill('SIGKILL');
    }
  }, 300_000);

  test('after SIGKILL, the janitor deletes the dead run namespace', async () => {
    const namespace = `ct-sigkill-${randomBytes(3).toString('hex')}`;
    const readyFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'ct-sigkill-')), 'ready');
    const run = startRun(namespace, readyFile);
    try {
      await waitForDeployed(run, readyFile);
      expect(await namespaceGone(namespace)).toBe(false);
      expect(await nodeDataLeft(namespace)).toHaveLength((await nodesAreThisHost(loadOptions())) ? 1 : 0);
      // the job is killed outright: the runner and Jest (its own process group) get no chance to clean up
      const jestPids = readFileSync(`/proc/${run.pid}/task/${run.pid}/children`, 'utf8').trim().split(/\s+/);
      run.kill('SIGKILL');
      for (const pid of jestPids.filter(Boolean)) {
        try {
          process.kill(-Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await run;
      expect(await namespaceGone(namespace)).toBe(false);
      expect(await nodeDataLeft(namespace)).toHaveLength((await nodesAreThisHost(loadOptions())) ? 1 : 0);
      const env = { ...process.env, CHART_TESTWARE_OPTIONS: '', CHART_TESTWARE_RUN_ID: `janitor-${namespace}` };
      const janitor = await execa(process.execPath, [path.join(projectRoot, 'testsupport', 'cli', 'janitor.ts')], {
        env,
        reject: false,
      });
      expect({ exitCode: janitor.exitCode, stderr: janitor.stderr }).toEqual({ exitCode: 0, stderr: '' });
      expect(janitor.stdout).toContain(namespace);
      expect(await namespaceGone(namespace)).toBe(true);
      expect(await volumesOf(namespace)).toEqual([]);
      expect(await nodeDataLeft(namespace)).toEqual([]);
    } finally {
      run.kill('SIGKILL');
    }
  }, 300_000);
});
