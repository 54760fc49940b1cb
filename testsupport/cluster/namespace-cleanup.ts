import { type KubernetesObject, PatchStrategy, setHeaderOptions, type V1Namespace } from '@kubernetes/client-node';
import type { RunOptions } from '../config/options.ts';
import { ChartTestwareError } from '../errors.ts';
import { apiMessage, apiStatus, kubeClients } from '../kube/kube-clients.ts';
import { retryTransient } from '../kube/transient-error.ts';
import { waitUntil } from '../kube/wait-until.ts';
import { clusterLeftovers, type Leftovers, orphanedLeftovers, recordLeftovers } from './cluster-leftovers.ts';
import { namespaceLiveness } from './namespace-liveness.ts';
import { expiresAtAnnotation, isOurs, keptAnnotation, ownSelector, runIdLabel } from './namespace-ownership.ts';
import { StorageCleaner } from './storage-cleaner.ts';

/** The namespace could not be deleted in time; the message lists what is left. */
export class NamespaceDeletionTimeoutError extends ChartTestwareError {}

/** A loaded API server may drop a connection or answer late: such calls are tried again for a while. */
export const answerWithin = { timeout: 30_000, interval: 500 } as const;

export async function readNamespace(options: RunOptions, name: string): Promise<V1Namespace | undefined> {
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

export async function sweepQuietly(options: RunOptions): Promise<void> {
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
  options: RunOptions,
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
  result.nodeDataLeft.push(...(await leftoversCleaner(options, orphans).clean({ wait: true })));
  return result;
}

/** The names of the namespaces of ours whose run is dead (see sweepNamespaces); deletes them unless dryRun. */
export async function deleteExpiredNamespaces(
  options: RunOptions,
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
  if (orphans)
    await leftoversCleaner(options, orphans)
      .clean({ wait: true })
      .catch(() => undefined);
}

/** The kubectl command line (for people to paste) that reaches the run's cluster. */
export function kubectlCommand(options: RunOptions, args: readonly string[]): string {
  const parts = ['kubectl'];
  if (options.kubeconfig) parts.push('--kubeconfig', options.kubeconfig);
  if (options.kubeContext) parts.push('--context', options.kubeContext);
  return [...parts, ...args].join(' ');
}

/**
 * The clean-up of leftovers as they were found: the volumes first seen (deleted last, once their node data is gone),
 * then, when given, the step that deletes their namespaces, then the other cluster-scoped leftovers (deleted first).
 */
function leftoversCleaner(
  options: RunOptions,
  leftovers: Leftovers,
  namespaces?: (wait: boolean) => Promise<void>,
): StorageCleaner {
  const cleaner = new StorageCleaner(options);
  for (const { volume, namespace } of leftovers.volumes) cleaner.volume(volume, namespace, { nodeData: true });
  if (namespaces) cleaner.step('the namespaces', namespaces);
  for (const object of leftovers.objects) cleaner.object(object);
  return cleaner;
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
  const timeout = options.timeouts.namespaceDeleteTimeoutMs;
  const cleaner = leftoversCleaner(options, leftovers, async (waitForThem) => {
    await Promise.all(names.map((name) => deleteQuietly(options, name)));
    if (waitForThem) await waitForNamespacesGone(options, names, timeout, leftovers.objects);
  });
  const left = await cleaner.clean({ wait }).catch((error: unknown) => {
    // the namespaces' own step and the wait throw errors of ours; the API's are the leftovers' deletion
    throw apiStatus(error) !== undefined
      ? apiError('cannot delete what the namespaces left outside them', error)
      : error;
  });
  if (!wait) return;
  for (const line of left) process.stderr.write(`[chart-testware] node data left: ${line}\n`);
  await waitForNamespacesGone(
    options,
    [],
    timeout,
    leftovers.volumes.map(({ volume }) => volume as KubernetesObject),
  );
}

export async function waitForNamespacesGone(
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

export function apiError(what: string, error: unknown): ChartTestwareError {
  const status = apiStatus(error);
  return new ChartTestwareError(`${what}: ${status ? `HTTP ${status}: ` : ''}${apiMessage(error)}`, {
    hint:
      status === 403
        ? 'the kube user lacks permission: it needs to create/delete namespaces'
        : 'check the cluster is up (`npm run cluster:status`) and KUBECONFIG points at it',
    cause: error,
  });
}
