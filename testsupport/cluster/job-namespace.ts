import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { type KubernetesObject, PatchStrategy, setHeaderOptions, type V1Namespace } from '@kubernetes/client-node';
import { loadOptions, type RunOptions } from '../config/options.ts';
import { currentTest } from '../context/test-context.ts';
import { ChartTestwareError, ConfigError } from '../errors.ts';
import { apiMessage, apiStatus, kubeClients } from '../kube/kube-clients.ts';
import { retryTransient } from '../kube/transient-error.ts';
import { waitUntil } from '../kube/wait-until.ts';
import {
  clusterLeftovers,
  deleteObjects,
  orphanedLeftovers,
  recordLeftovers,
  releaseVolumes,
} from './cluster-leftovers.ts';
import { localBootId } from './node-data.ts';
import { beat, heartbeatAnnotation, heartbeatLeaseName, heartbeatStaleMs, readHeartbeat } from './run-heartbeat.ts';

export const managedByLabel = 'app.kubernetes.io/managed-by';
export const managedByValue = 'chart-testware';
export const runIdLabel = 'chart-testware.io/run-id';
export const jobIdLabel = 'chart-testware.io/job-id';
export const gitShaLabel = 'chart-testware.io/git-sha';
export const createdAtAnnotation = 'chart-testware.io/created-at';
export const expiresAtAnnotation = 'chart-testware.io/expires-at';
/** JSON {host, boot, pid, start}: the process whose death ends the namespace's life before it expires. */
export const ownerAnnotation = 'chart-testware.io/owner';
export const keptAnnotation = 'chart-testware.io/kept';
export const ownSelector = `${managedByLabel}=${managedByValue}`;

/** The namespace could not be deleted in time; the message lists what is left. */
export class NamespaceDeletionTimeoutError extends ChartTestwareError {}

/** The name of the job namespace for `testFile` (one per file with --namespace-per-file). */
export function jobNamespaceName(options: RunOptions, testFile?: string): string {
  if (!options.namespacePerFile || !testFile) return options.testNamespace;
  const base = path
    .basename(testFile)
    .replace(/\.test\.[cm]?[jt]s$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-');
  const hash = createHash('sha256').update(path.resolve(testFile)).digest('hex').slice(0, 6);
  const head = `${options.testNamespace}-${base}`.slice(0, 63 - 7).replace(/-+$/, '');
  return `${head}-${hash}`;
}

const ensured = new Map<string, Promise<string>>();

/**
 * Creates the job namespace (idempotent; safe when several workers call it at once). A namespace of that name
 * that is not ours is never touched: ConfigError. One of ours left by a run that expired or whose process died
 * is deleted and recreated. The creator also sweeps other expired namespaces of ours.
 */
export function ensureJobNamespace(options: RunOptions, testFile?: string): Promise<string> {
  const name = jobNamespaceName(options, testFile);
  // an in-cluster shard runs in the Job's namespace, made by the runner outside: its Role cannot create namespaces
  if (process.env.CHART_TESTWARE_SHARD_NAMESPACE === name) return Promise.resolve(name);
  const key = `${options.runId}/${name}`;
  let promise = ensured.get(key);
  if (!promise) {
    promise = ensure(options, name, testFile);
    ensured.set(key, promise);
    promise.catch(() => ensured.delete(key));
  }
  return promise;
}

/** The test's job namespace, created if needed. Use it in tests: `const ns = await jobNamespace()`. */
export function jobNamespace(options: RunOptions = loadOptions()): Promise<string> {
  const testPath =
    currentTest()?.testPath ??
    (globalThis as { expect?: { getState?: () => { testPath?: string } } }).expect?.getState?.().testPath;
  return ensureJobNamespace(options, testPath);
}

/** A loaded API server may drop a connection or answer late: such calls are tried again for a while. */
const answerWithin = { timeout: 30_000, interval: 500 } as const;

async function ensure(options: RunOptions, name: string, testFile: string | undefined): Promise<string> {
  const { core } = kubeClients(options);
  const deadline = Date.now() + options.timeouts.namespaceDeleteTimeoutMs + 30_000;
  for (;;) {
    try {
      const body = namespaceBody(options, name, testFile);
      await retryTransient(() => core.createNamespace({ body }), answerWithin);
      // the first beat; the runner renews it (a failure here is made good by its next beat)
      if (body.metadata?.annotations?.[heartbeatAnnotation]) await beat(options, name).catch(() => undefined);
      await sweepQuietly(options);
      break;
    } catch (error) {
      if (apiStatus(error) !== 409) throw apiError(`cannot create namespace ${name}`, error);
    }
    const existing = await readNamespace(options, name);
    if (!existing) continue;
    if (!isOurs(existing)) {
      throw new ConfigError(`namespace ${name} already exists and was not created by chart-testware`, {
        hint: `it is left alone; pass --test-namespace with another name (e.g. --test-namespace ${name}-tests)`,
      });
    }
    const labels = existing.metadata?.labels ?? {};
    if (labels[runIdLabel] === options.runId && !existing.metadata?.deletionTimestamp) break;
    const liveness = labels[runIdLabel] !== options.runId ? await namespaceLiveness(options, existing) : undefined;
    if (liveness?.alive) {
      const annotations = existing.metadata?.annotations ?? {};
      throw new ConfigError(
        `namespace ${name} belongs to another chart-testware run (${labels[runIdLabel]}${
          labels[jobIdLabel] ? `, job ${labels[jobIdLabel]}` : ''
        }, created ${annotations[createdAtAnnotation] ?? '?'}) that is still alive: ${liveness.reason}`,
        { hint: 'use another --test-namespace, or stop that run; `npm run janitor -- --force <name>` deletes it' },
      );
    }
    if (Date.now() > deadline) {
      throw new NamespaceDeletionTimeoutError(`namespace ${name} from an earlier run is still being deleted`, {
        hint: `look at what is left: kubectl get all -n ${name}; then run \`npm run janitor\``,
      });
    }
    if (existing.metadata?.deletionTimestamp) {
      await waitForNamespacesGone(options, [name], options.timeouts.namespaceDeleteTimeoutMs);
    } else {
      process.stderr.write(`[chart-testware] replacing namespace ${name} of a dead run: ${liveness?.reason}\n`);
      await deleteNamespaces(options, [name], { wait: true });
    }
  }
  await waitUntil(
    async () => {
      try {
        await core.readNamespacedServiceAccount({ name: 'default', namespace: name });
        return true;
      } catch {
        return false;
      }
    },
    { timeout: 30_000, interval: 100, description: `the default ServiceAccount of namespace ${name}` },
  );
  return name;
}

function namespaceBody(options: RunOptions, name: string, testFile: string | undefined): V1Namespace {
  const now = Date.now();
  const labels: Record<string, string> = { [managedByLabel]: managedByValue, [runIdLabel]: options.runId };
  const jobId = options.jobId && labelValue(options.jobId);
  if (jobId) labels[jobIdLabel] = jobId;
  const gitSha = options.gitSha && labelValue(options.gitSha);
  if (gitSha) labels[gitShaLabel] = gitSha;
  const annotations: Record<string, string> = {
    [createdAtAnnotation]: new Date(now).toISOString(),
    [expiresAtAnnotation]: new Date(now + options.timeouts.namespaceTtlMs).toISOString(),
    [ownerAnnotation]: JSON.stringify(ownerProcess()),
  };
  // a runner renews a heartbeat Lease; Jest started on its own has nobody to renew one (it expires by time)
  if (process.env.CHART_TESTWARE_RUNNER_PID) annotations[heartbeatAnnotation] = heartbeatLeaseName;
  if (testFile) annotations['chart-testware.io/test-file'] = path.relative(process.cwd(), testFile);
  return { metadata: { name, labels, annotations } };
}

function labelValue(value: string): string | undefined {
  const cleaned = value
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return cleaned || undefined;
}

interface OwnerProcess {
  host: string;
  boot: string;
  pid: number;
  start: string;
}

/**
 * The process that stands for the run: the runner when it says so (CHART_TESTWARE_RUNNER_PID), else Jest's main
 * process (a worker's parent) or this process when Jest runs in band.
 */
function ownerProcess(): OwnerProcess {
  const fromEnv = Number(process.env.CHART_TESTWARE_RUNNER_PID);
  const pid = Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : process.send ? process.ppid : process.pid;
  return { host: hostname(), boot: bootId(), pid, start: processStart(pid) ?? '' };
}

const bootId = localBootId;

function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // field 22 (starttime) counted after the ")" that ends the command name
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function isOurs(namespace: KubernetesObject): boolean {
  return namespace.metadata?.labels?.[managedByLabel] === managedByValue && !!namespace.metadata.labels[runIdLabel];
}

function ownerOf(namespace: KubernetesObject): OwnerProcess | undefined {
  try {
    return JSON.parse(namespace.metadata?.annotations?.[ownerAnnotation] ?? '') as OwnerProcess;
  } catch {
    return undefined;
  }
}

/** Whether the owner process is known dead (on this host, same boot, not running), alive, or unknown (elsewhere). */
function localOwnerState(owner: OwnerProcess | undefined): 'dead' | 'alive' | 'elsewhere' {
  if (!owner || owner.host !== hostname() || owner.boot !== bootId()) return 'elsewhere';
  return processStart(owner.pid) === owner.start ? 'alive' : 'dead';
}

/**
 * Expired by what this host alone can tell (no heartbeat): past its expires-at, or (unless kept) its owner process
 * on this host is gone. Namespaces of runs on other hosts only expire by time here; see namespaceLiveness.
 */
export function isExpired(namespace: KubernetesObject, now = Date.now()): boolean {
  const annotations = namespace.metadata?.annotations ?? {};
  const expiresAt = Date.parse(annotations[expiresAtAnnotation] ?? '');
  if (!Number.isNaN(expiresAt) && expiresAt <= now) return true;
  if (annotations[keptAnnotation] === 'true') return false;
  return localOwnerState(ownerOf(namespace)) === 'dead';
}

/** Whether a namespace's run is alive, and why we think so (the janitor prints it). */
export interface Liveness {
  readonly alive: boolean;
  readonly reason: string;
}

/**
 * The verdict on a namespace of ours, in this order: past expires-at is dead; kept lives until then; a runner on
 * this host that is gone is dead, one that runs is alive; then its heartbeat Lease: renewed within
 * `heartbeatStaleMs` is alive, older (or never created that long after the namespace) is dead. A namespace without
 * a heartbeat (made by an older chart-testware, or by Jest without the runner) is judged as before: it lives until
 * it expires, unless its owner is known dead on this host.
 */
export async function namespaceLiveness(
  options: RunOptions,
  namespace: V1Namespace,
  now = Date.now(),
): Promise<Liveness> {
  const annotations = namespace.metadata?.annotations ?? {};
  const name = namespace.metadata?.name ?? '';
  const expires = annotations[expiresAtAnnotation] ?? '?';
  const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;
  const expiresAt = Date.parse(expires);
  if (!Number.isNaN(expiresAt) && expiresAt <= now) return { alive: false, reason: `expired at ${expires}` };
  if (annotations[keptAnnotation] === 'true') return { alive: true, reason: `kept (--keep) until ${expires}` };
  const owner = ownerOf(namespace);
  const local = localOwnerState(owner);
  if (local === 'dead') return { alive: false, reason: `its runner (pid ${owner?.pid}) on this host is gone` };
  if (local === 'alive') return { alive: true, reason: `its runner (pid ${owner?.pid}) runs on this host` };
  if (annotations[heartbeatAnnotation]) {
    let heartbeat: Awaited<ReturnType<typeof readHeartbeat>>;
    try {
      heartbeat = await readHeartbeat(options, name);
    } catch (error) {
      return { alive: true, reason: `its heartbeat Lease cannot be read (${apiMessage(error)}): left alone` };
    }
    if (heartbeat) {
      const age = now - heartbeat.renewedAt;
      return age > heartbeatStaleMs
        ? {
            alive: false,
            reason: `no heartbeat for ${seconds(age)} (Lease ${heartbeatLeaseName}, ${heartbeat.holder})`,
          }
        : { alive: true, reason: `heartbeat ${seconds(Math.max(0, age))} ago from ${heartbeat.holder}` };
    }
    const age = now - Date.parse(namespace.metadata?.creationTimestamp?.toString() ?? '');
    return age > heartbeatStaleMs
      ? { alive: false, reason: `its heartbeat Lease never appeared (created ${seconds(age)} ago)` }
      : { alive: true, reason: `just created (${seconds(age)} ago), no heartbeat yet` };
  }
  return {
    alive: true,
    reason: `no heartbeat (made by an older chart-testware or without the runner) on host ${owner?.host ?? '?'}: lives until it expires at ${expires}`,
  };
}

async function readNamespace(options: RunOptions, name: string): Promise<V1Namespace | undefined> {
  try {
    return await retryTransient(() => kubeClients(options).core.readNamespace({ name }), answerWithin);
  } catch (error) {
    if (apiStatus(error) === 404) return undefined;
    throw apiError(`cannot read namespace ${name}`, error);
  }
}

async function deleteQuietly(options: RunOptions, name: string): Promise<void> {
  try {
    await kubeClients(options).core.deleteNamespace({ name, propagationPolicy: 'Background' });
  } catch (error) {
    if (apiStatus(error) !== 404) throw apiError(`cannot delete namespace ${name}`, error);
  }
}

async function sweepQuietly(options: RunOptions): Promise<void> {
  try {
    const swept = await sweepNamespaces(options, { wait: false });
    if (swept.deleted.length > 0)
      process.stderr.write(
        `[chart-testware] deleting namespaces of dead runs: ${swept.deleted.map((d) => `${d.name} (${d.reason})`).join(', ')}\n`,
      );
  } catch (error) {
    process.stderr.write(`[chart-testware] could not sweep expired namespaces: ${(error as Error).message}\n`);
  }
}

/** What a sweep did: namespaces deleted and left alone (each with its reason), volumes finished, data left. */
export interface SweepResult {
  readonly deleted: { name: string; reason: string }[];
  readonly leftAlone: { name: string; reason: string }[];
  /** Leftovers (`<Kind> <name>`) of namespaces that were already gone: an earlier clean-up that did not finish. */
  readonly orphans: string[];
  /** Node data that could not be removed from here. */
  readonly nodeDataLeft: string[];
}

/**
 * The janitor: deletes every namespace of ours whose run is dead (see namespaceLiveness) and is not of this run,
 * with its cluster-scoped leftovers, and finishes clean-ups that died half-way (labelled volumes of namespaces that
 * are gone). Waits until they are gone unless `wait: false` (then volumes and node data wait for the next sweep or
 * the end of this run).
 */
export async function sweepNamespaces(
  options: RunOptions = loadOptions(),
  { wait = true, dryRun = false }: { wait?: boolean; dryRun?: boolean } = {},
): Promise<SweepResult> {
  const { core } = kubeClients(options);
  const list = await core.listNamespace({ labelSelector: ownSelector });
  const now = Date.now();
  const deleted: SweepResult['deleted'] = [];
  const leftAlone: SweepResult['leftAlone'] = [];
  for (const ns of list.items) {
    const name = ns.metadata?.name ?? '';
    if (!isOurs(ns) || ns.metadata?.labels?.[runIdLabel] === options.runId) continue;
    const liveness = await namespaceLiveness(options, ns, now);
    (liveness.alive ? leftAlone : deleted).push({ name, reason: liveness.reason });
  }
  const orphans = await orphanedLeftovers(options);
  const result: SweepResult = {
    deleted,
    leftAlone,
    orphans: [
      ...orphans.objects.map((object) => `${object.kind} ${object.metadata?.name}`),
      ...orphans.volumes.map(({ volume }) => `PersistentVolume ${volume.metadata?.name}`),
    ],
    nodeDataLeft: [],
  };
  if (dryRun) return result;
  if (deleted.length > 0)
    await deleteNamespaces(
      options,
      deleted.map((d) => d.name),
      { wait },
    );
  await deleteObjects(options, orphans.objects);
  if (orphans.volumes.length > 0) result.nodeDataLeft.push(...(await releaseVolumes(options, orphans.volumes)));
  return result;
}

/** The names of the namespaces of ours whose run is dead (see sweepNamespaces); deletes them unless dryRun. */
export async function deleteExpiredNamespaces(
  options: RunOptions = loadOptions(),
  flags: { wait?: boolean; dryRun?: boolean } = {},
): Promise<string[]> {
  return (await sweepNamespaces(options, flags)).deleted.map((d) => d.name);
}

/** The namespaces of this run (to delete at its end, and to renew the heartbeat of while it runs). */
export async function runNamespaces(options: RunOptions): Promise<V1Namespace[]> {
  const list = await kubeClients(options).core.listNamespace({
    labelSelector: `${ownSelector},${runIdLabel}=${options.runId}`,
  });
  return list.items;
}

/**
 * Called once by the runner after Jest exits, and on SIGINT/SIGTERM: deletes every namespace of this run (unless
 * --keep says otherwise: kept ones print how to inspect them and still expire) with its cluster-scoped leftovers,
 * and waits until they are gone; then finishes any clean-up a dead run left half-way.
 */
export async function releaseRunNamespaces(options: RunOptions, outcome: { failed: boolean }): Promise<void> {
  const { core } = kubeClients(options);
  const items = await runNamespaces(options);
  const names = items.map((ns) => ns.metadata?.name ?? '').filter(Boolean);
  if (names.length === 0) return;
  const keep = options.keep === 'always' || (options.keep === 'on-failure' && outcome.failed);
  if (keep) {
    for (const ns of items) {
      const name = ns.metadata?.name ?? '';
      await core.patchNamespace(
        { name, body: { metadata: { annotations: { [keptAnnotation]: 'true' } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      process.stderr.write(
        `[chart-testware] kept namespace ${name} (--keep ${options.keep}); inspect it with:\n  ${kubectlCommand(
          options,
          ['get', 'all,events,pvc', '-n', name],
        )}\n  it expires ${ns.metadata?.annotations?.[expiresAtAnnotation] ?? '?'}; \`npm run janitor\` deletes it then\n`,
      );
    }
    return;
  }
  await deleteNamespaces(options, names, { wait: true });
  const orphans = await orphanedLeftovers(options).catch(() => undefined);
  if (orphans) {
    await deleteObjects(options, orphans.objects).catch(() => undefined);
    await releaseVolumes(options, orphans.volumes).catch(() => undefined);
  }
}

/** The kubectl command line (for people to paste) that reaches the run's cluster. */
export function kubectlCommand(options: RunOptions, args: readonly string[]): string {
  const parts = ['kubectl'];
  if (options.kubeconfig) parts.push('--kubeconfig', options.kubeconfig);
  if (options.kubeContext) parts.push('--context', options.kubeContext);
  return [...parts, ...args].join(' ');
}

/**
 * Deletes the namespaces and what their releases left outside them, in an order that a crash cannot break (see
 * cluster-leftovers.ts): volumes labelled as theirs, other cluster-scoped leftovers deleted, the namespaces
 * deleted; once those are gone (and their pods with them), the volumes' node data removed and the volumes deleted.
 * With `wait: false` the last step is left to the next sweep, the end of the run or the janitor.
 */
export async function deleteNamespaces(
  options: RunOptions,
  names: readonly string[],
  { wait = true }: { wait?: boolean } = {},
): Promise<void> {
  const leftovers = await clusterLeftovers(options, names);
  await recordLeftovers(options, leftovers).catch((error: unknown) => {
    throw apiError('cannot record the cluster-scoped leftovers of the namespaces', error);
  });
  await deleteObjects(options, leftovers.objects).catch((error: unknown) => {
    throw apiError('cannot delete the cluster-scoped leftovers of the namespaces', error);
  });
  await Promise.all(names.map((name) => deleteQuietly(options, name)));
  if (!wait) return;
  const timeout = options.timeouts.namespaceDeleteTimeoutMs;
  await waitForNamespacesGone(options, names, timeout, leftovers.objects);
  const left = await releaseVolumes(options, leftovers.volumes);
  for (const line of left) process.stderr.write(`[chart-testware] node data left: ${line}\n`);
  await waitForNamespacesGone(
    options,
    [],
    timeout,
    leftovers.volumes.map(({ volume }) => volume as KubernetesObject),
  );
}

async function waitForNamespacesGone(
  options: RunOptions,
  names: readonly string[],
  timeout: number,
  leftovers: readonly KubernetesObject[] = [],
): Promise<void> {
  const { core, objects } = kubeClients(options);
  const remaining = async (): Promise<string[]> => {
    const left: string[] = [];
    for (const name of names) if (await readNamespace(options, name)) left.push(`namespace ${name}`);
    for (const object of leftovers) {
      try {
        await objects.read({
          apiVersion: object.apiVersion ?? 'v1',
          kind: object.kind ?? '',
          metadata: { name: object.metadata?.name ?? '' },
        });
        left.push(`${object.kind} ${object.metadata?.name}`);
      } catch {
        // gone
      }
    }
    return left;
  };
  try {
    await waitUntil(async () => (await remaining()).length === 0, {
      timeout,
      interval: 250,
      description: `${[...names.map((name) => `namespace ${name}`), ...leftovers.map((o) => `${o.kind} ${o.metadata?.name}`)].join(', ')} to be deleted`,
    });
  } catch {
    const details: string[] = [];
    for (const name of names) {
      const ns = await readNamespace(options, name).catch(() => undefined);
      if (!ns) continue;
      const conditions = (ns.status?.conditions ?? [])
        .filter((condition) => condition.status === 'True')
        .map((condition) => `${condition.reason}: ${condition.message}`);
      const pods = await core.listNamespacedPod({ namespace: name }).catch(() => undefined);
      details.push(
        `namespace ${name} (${ns.status?.phase}): ${conditions.join('; ') || 'no condition'}; pods left: ${
          pods?.items
            .map((pod) => `${pod.metadata?.name} (finalizers ${pod.metadata?.finalizers?.join(',') || 'none'})`)
            .join(', ') || 'none'
        }`,
      );
    }
    const rest = (await remaining().catch(() => [])).filter((line) => !line.startsWith('namespace '));
    throw new NamespaceDeletionTimeoutError(
      `still not deleted after ${timeout} ms:\n${[...details, ...rest].map((line) => `  - ${line}`).join('\n')}`,
      {
        hint: 'a finalizer or a pod that ignores SIGTERM holds it: `kubectl get all -n <ns>`; `npm run janitor` retries',
      },
    );
  }
}

function apiError(what: string, error: unknown): ChartTestwareError {
  const status = apiStatus(error);
  return new ChartTestwareError(`${what}: ${status ? `HTTP ${status}: ` : ''}${apiMessage(error)}`, {
    hint:
      status === 403
        ? 'the kube user lacks permission: it needs to create/delete namespaces'
        : 'check the cluster is up (`npm run cluster:status`) and KUBECONFIG points at it',
    cause: error,
  });
}
