// A run of the tango-base fixture test started as CI would (the runner, or `npm test`), to be interrupted while the
// release installs, and what an interrupted run must not leave behind: namespace, PersistentVolumes,
// StorageClasses, cluster RBAC, node data.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from '@jest/globals';
import { execa, type ResultPromise } from 'execa';
import { nodesAreThisHost } from '../../testsupport/cluster/node-data.ts';
import { loadOptions } from '../../testsupport/config/options.ts';
import { apiStatus, kubeClients } from '../../testsupport/kube/kube-clients.ts';
import { giveUp, waitUntil } from '../../testsupport/kube/wait-until.ts';
import { projectRoot, startRunner } from '../support/runner-process.ts';

const fixture = path.join('tests', 'chart-deploy', 'fixtures', 'tango-base-install.test.ts');
/** tango-base's default `tangodb.pv.hostPathBase`: data of a release goes to `<base>/<namespace>-<release>-tangodb`. */
export const volumesBase = '/var/lib/chart-testware/volumes';
const helmNamespace = 'meta.helm.sh/release-namespace';

/** A namespace name of this test run's own (`<job namespace>-<what>-<random>`), so parallel runs never share one. */
export function runNamespace(what: string): string {
  return `${loadOptions().testNamespace}-${what}-${randomBytes(3).toString('hex')}`.slice(0, 63);
}

const runIdentity = ['CHART_TESTWARE_OPTIONS', 'CHART_TESTWARE_RUN_ID', 'CHART_TESTWARE_RUNNER_PID', 'JEST_WORKER_ID'];

function runArgs(namespace: string): string[] {
  return [
    '--marker',
    'chart_deploy',
    '--test-namespace',
    namespace,
    fixture,
    '--testPathIgnorePatterns',
    '/node_modules/',
  ];
}

function runEnv(): Record<string, string> {
  return { CHART_TESTWARE_REPORTS_DIR: mkdtempSync(path.join(os.tmpdir(), 'ct-interrupt-reports-')) };
}

export type Run = ResultPromise<{ all: true; reject: false }>;
const ended = new WeakSet<Run>();

function tracked(run: Run): Run {
  run.then(() => ended.add(run));
  return run;
}

/** The runner itself (`node testsupport/jest/cli.ts ...`). */
export function startRunnerRun(namespace: string): Run {
  return tracked(startRunner(runArgs(namespace), runEnv()));
}

/**
 * The runner as if on another host (a CI job pod): its own UTS namespace with another host name, so its namespace's
 * owner annotation names a host that no janitor here can look into; only its heartbeat says whether it lives.
 */
export function startRunnerOnAnotherHost(namespace: string): Run {
  const env: Record<string, string | undefined> = { ...process.env, ...runEnv() };
  for (const name of runIdentity) delete env[name];
  const host = `ct-run-host-${namespace}`.slice(0, 60);
  const cli = path.join(projectRoot, 'testsupport', 'jest', 'cli.ts');
  const run = execa(
    'unshare',
    ['--uts', '--', 'sh', '-c', 'hostname "$0" && exec "$@"', host, process.execPath, cli, ...runArgs(namespace)],
    { cwd: projectRoot, env, extendEnv: false, reject: false, all: true },
  );
  return tracked(run);
}

/** `npm test -- ...`, as a CI job or a supervisor starts it: signals then go to npm, not to the runner. */
export function startNpmRun(namespace: string): Run {
  const env: Record<string, string | undefined> = { ...process.env, ...runEnv() };
  for (const name of runIdentity) delete env[name];
  return tracked(
    execa('npm', ['test', '--', ...runArgs(namespace)], {
      cwd: projectRoot,
      env,
      extendEnv: false,
      reject: false,
      all: true,
    }),
  );
}

/** The child processes of `pid` (the runner under npm, Jest under the runner). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The node data directories of the namespace's releases (tango-base's naming). */
export function nodeDataDirs(namespace: string): string[] {
  if (!existsSync(volumesBase)) return [];
  return readdirSync(volumesBase)
    .filter((entry) => entry.startsWith(`${namespace}-`))
    .map((entry) => path.join(volumesBase, entry));
}

/** What of the namespace's run the cluster (and the node) still hold, one line each; [] when nothing. */
export async function leftoversOf(namespace: string): Promise<string[]> {
  const { core, objects } = kubeClients(loadOptions());
  const left: string[] = [];
  try {
    const ns = await core.readNamespace({ name: namespace });
    left.push(`namespace ${namespace} (${ns.status?.phase})`);
  } catch (error) {
    if (apiStatus(error) !== 404) throw error;
  }
  for (const pv of (await core.listPersistentVolume()).items) {
    const owners = [
      pv.spec?.claimRef?.namespace,
      pv.metadata?.annotations?.[helmNamespace],
      pv.metadata?.labels?.['chart-testware.io/leftover-of'],
    ];
    if (owners.includes(namespace)) left.push(`PersistentVolume ${pv.metadata?.name}`);
  }
  for (const [apiVersion, kind] of [
    ['storage.k8s.io/v1', 'StorageClass'],
    ['rbac.authorization.k8s.io/v1', 'ClusterRole'],
    ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
  ] as const) {
    for (const item of (await objects.list(apiVersion, kind)).items) {
      if (item.metadata?.annotations?.[helmNamespace] === namespace) left.push(`${kind} ${item.metadata?.name}`);
    }
  }
  if (await nodesAreThisHost(loadOptions())) {
    for (const dir of nodeDataDirs(namespace)) left.push(`node data ${dir}`);
  }
  return left;
}

/**
 * Waits until the run's tango-base release has put its cluster-wide objects and node data in place: its
 * StorageClass and PersistentVolume exist and MariaDB has written its data directory (on the embedded cluster,
 * whose node is this host). The install may still be waiting for DataBaseds and TangoTest.
 */
export async function waitForLeftovers(run: Run, namespace: string): Promise<string[]> {
  let ended: string | undefined;
  run.then((result) => {
    ended = `exit ${result.exitCode}: ${result.all?.slice(-3000)}`;
  });
  const onThisHost = await nodesAreThisHost(loadOptions());
  return await waitUntil(
    async () => {
      if (ended) giveUp(`the run ended before tango-base installed: ${ended}`);
      const left = await leftoversOf(namespace);
      const has = (prefix: string) => left.some((line) => line.startsWith(prefix));
      const data = nodeDataDirs(namespace).some((dir) => existsSync(path.join(dir, 'tango')));
      return has('StorageClass') && has('PersistentVolume') && (data || !onThisHost) ? left : undefined;
    },
    { timeout: 400_000, interval: 500, description: `tango-base's StorageClass, volume and data in ${namespace}` },
  );
}

/** Whether any process of the group (Jest and its workers) is left. */
export function groupAlive(pgid: number): boolean {
  return processAlive(-pgid);
}

/**
 * Sends `signal` to one process (npm, or the runner) while tango-base installs, and checks that the run stops its
 * tests, cleans up everything and exits 130: no namespace, volume, StorageClass, cluster RBAC or node data left.
 */
export async function interruptDuringInstall(
  run: Run,
  namespace: string,
  signal: 'SIGINT' | 'SIGTERM',
  via: 'npm' | 'runner',
): Promise<void> {
  const before = await waitForLeftovers(run, namespace);
  expect(before).toContain(`namespace ${namespace} (Active)`);
  const runnerPid = via === 'npm' ? (childrenOf(run.pid ?? 0)[0] ?? 0) : (run.pid ?? 0);
  // npm's scripts `exec` the runner (`npm test` through the chart-testware bin, which runs it in its own process):
  // npm's own child is the runner, no shell in between
  const argv = readFileSync(`/proc/${runnerPid}/cmdline`, 'utf8').split('\0');
  const runnerScripts = [
    path.join('testsupport', 'jest', 'cli.ts'),
    path.join('testsupport', 'cli', 'chart-testware.ts'),
  ];
  expect(argv.some((arg) => runnerScripts.some((script) => arg.endsWith(script)))).toBe(true);
  const jestPid = childrenOf(runnerPid)[0] ?? 0;
  expect(groupAlive(jestPid)).toBe(true);
  // to that one process only (execa's kill would add a SIGKILL 5 s later; the clean-up takes longer)
  process.kill(via === 'npm' ? (run.pid ?? 0) : runnerPid, signal);
  const result = await run;
  expect({ exitCode: result.exitCode, output: result.all?.slice(-2500) }).toMatchObject({ exitCode: 130 });
  expect(result.all).toContain('chart-testware: interrupted; the job namespace was cleaned up');
  // nothing of the run goes on: neither the runner nor any Jest process
  expect(processAlive(runnerPid)).toBe(false);
  expect(groupAlive(jestPid)).toBe(false);
  expect(await leftoversOf(namespace)).toEqual([]);
}

/** Stops every process of a run at once (the test's own clean-up when it fails half-way). */
export function killRun(run: Run, via: 'npm' | 'runner'): void {
  // once it has exited its pid may belong to someone else: never look up its children then
  if (ended.has(run)) return;
  const runner = via === 'npm' ? childrenOf(run.pid ?? 0)[0] : run.pid;
  for (const jest of runner ? childrenOf(runner) : []) {
    try {
      process.kill(-jest, 'SIGKILL');
    } catch {
      // gone
    }
  }
  if (runner) {
    try {
      process.kill(runner, 'SIGKILL');
    } catch {
      // gone
    }
  }
  run.kill('SIGKILL');
}
