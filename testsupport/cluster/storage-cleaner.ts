import {
  type KubernetesObject,
  PatchStrategy,
  setHeaderOptions,
  type V1PersistentVolume,
} from '@kubernetes/client-node';
import type { RunOptions } from '../config/options.ts';
import { apiStatus, kubeClients } from '../kube/kube-clients.ts';
import { nodeDataFinalizer } from './cluster-leftovers.ts';
import { namespaceDataDir, nodesAreThisHost, removeNodeData } from './node-data.ts';

/** One thing the cleaner deletes, recorded when it was created or first seen. */
type Entry =
  | { readonly kind: 'PersistentVolumeClaim'; readonly key: string; readonly namespace: string; readonly name: string }
  | {
      readonly kind: 'PersistentVolume';
      readonly key: string;
      readonly volume: V1PersistentVolume;
      /** The namespace its node data belongs to. */
      readonly namespace: string;
      /** Remove its node data and release our finalizer before deleting it (its pods must be gone). */
      readonly nodeData: boolean;
    }
  | { readonly kind: 'object'; readonly key: string; readonly object: KubernetesObject }
  | { readonly kind: 'step'; readonly key: string; readonly run: (wait: boolean) => Promise<void> };

const ignoreMissing = (error: unknown) => {
  if (apiStatus(error) !== 404) throw error;
};

/**
 * The one place that deletes storage and the cluster-scoped objects releases leave (claims, PersistentVolumes and
 * their node data, StorageClasses, ...), the way chainsaw cleans up: each thing is recorded when it is created or
 * first seen (once), and clean() deletes them last recorded first, so that a thing goes before what it was made
 * from. Both a release's uninstall and the job namespace's clean-up use one. What lasts beyond this process (a
 * crash) is the record in the cluster itself: see cluster-leftovers.ts.
 */
export class StorageCleaner {
  readonly #options: RunOptions;
  readonly #entries: Entry[] = [];

  constructor(options: RunOptions) {
    this.#options = options;
  }

  /** A claim to delete (helm leaves those its StatefulSets made). */
  claim(namespace: string, name: string): this {
    return this.#record({
      kind: 'PersistentVolumeClaim',
      key: `PersistentVolumeClaim ${namespace}/${name}`,
      namespace,
      name,
    });
  }

  /**
   * A PersistentVolume to delete. With `nodeData`, clean() first removes its node data (when the node is this host)
   * and releases our finalizer: only once the pods that mounted it are gone, so only when it waits.
   */
  volume(volume: V1PersistentVolume, namespace: string, { nodeData }: { nodeData: boolean }): this {
    const named = { ...volume, apiVersion: 'v1', kind: 'PersistentVolume' };
    const key = `PersistentVolume ${volume.metadata?.name ?? ''}`;
    return this.#record({ kind: 'PersistentVolume', key, volume: named, namespace, nodeData });
  }

  /** A cluster-scoped object (with kind and apiVersion) to delete: a StorageClass, a ClusterRole, ... */
  object(object: KubernetesObject): this {
    return this.#record({ kind: 'object', key: `${object.kind} ${object.metadata?.name ?? ''}`, object });
  }

  /** Something the clean-up does at this point (deleting the namespaces, which their volumes outlive). */
  step(label: string, run: (wait: boolean) => Promise<void>): this {
    return this.#record({ kind: 'step', key: label, run });
  }

  /** What it will delete, in the order recorded (`<Kind> <name>`). */
  get recorded(): string[] {
    return this.#entries.filter((entry) => entry.kind !== 'step').map((entry) => entry.key);
  }

  /** The names of the recorded claims or volumes. */
  recordedNames(kind: 'PersistentVolumeClaim' | 'PersistentVolume'): string[] {
    return this.#entries.flatMap((entry) => {
      if (entry.kind === 'PersistentVolumeClaim' && kind === entry.kind) return [entry.name];
      if (entry.kind === 'PersistentVolume' && kind === entry.kind) return [entry.volume.metadata?.name ?? ''];
      return [];
    });
  }

  /** The recorded objects (claims, volumes, cluster-scoped objects), to wait for. */
  get objects(): KubernetesObject[] {
    return this.#entries.flatMap((entry): KubernetesObject[] => {
      if (entry.kind === 'PersistentVolume') return [entry.volume];
      if (entry.kind === 'object') return [entry.object];
      if (entry.kind === 'PersistentVolumeClaim') {
        const metadata = { name: entry.name, namespace: entry.namespace };
        return [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata }];
      }
      return [];
    });
  }

  /**
   * Deletes what was recorded, last recorded first; neighbours of one kind together. A failure stops it there (what
   * was recorded earlier may need what failed to be gone: node data is never removed under a pod that may still
   * run). Without `wait`, volumes with node data are left (to the next sweep, the end of the run or the janitor).
   * Returns the node data left on nodes that are not this host.
   */
  async clean({ wait }: { wait: boolean }): Promise<string[]> {
    const left: string[] = [];
    for (const batch of lastFirstBatches(this.#entries)) await this.#delete(batch, wait, left);
    return left;
  }

  #record(entry: Entry): this {
    if (!this.#entries.some((recorded) => recorded.key === entry.key)) this.#entries.push(entry);
    return this;
  }

  async #delete(batch: readonly Entry[], wait: boolean, left: string[]): Promise<void> {
    const { core, objects } = kubeClients(this.#options);
    const volumes: { volume: V1PersistentVolume; namespace: string }[] = [];
    await Promise.all(
      batch.map(async (entry) => {
        if (entry.kind === 'step') await entry.run(wait);
        else if (entry.kind === 'object') await objects.delete(entry.object).catch(ignoreMissing);
        else if (entry.kind === 'PersistentVolumeClaim') {
          await core.deleteNamespacedPersistentVolumeClaim(entry).catch(ignoreMissing);
        } else if (!entry.nodeData) {
          await core.deletePersistentVolume({ name: entry.volume.metadata?.name ?? '' }).catch(ignoreMissing);
        } else if (wait) volumes.push(entry);
      }),
    );
    if (volumes.length > 0) left.push(...(await releaseVolumes(this.#options, volumes)));
  }
}

/** The entries last first, in runs of one kind (steps alone). */
function lastFirstBatches(entries: readonly Entry[]): Entry[][] {
  const batches: Entry[][] = [];
  for (const entry of [...entries].reverse()) {
    const current = batches.at(-1);
    if (current && entry.kind !== 'step' && current[0]?.kind === entry.kind) current.push(entry);
    else batches.push([entry]);
  }
  return batches;
}

/**
 * For volumes whose pods are gone: removes their node data when the node is this host, releases our finalizer and
 * deletes them. Returns what is left on the node, for the caller to report.
 */
export async function releaseVolumes(
  options: RunOptions,
  volumes: readonly { volume: V1PersistentVolume; namespace: string }[],
): Promise<string[]> {
  const left: string[] = [];
  const local = volumes.length > 0 && (await nodesAreThisHost(options));
  for (const { volume, namespace } of volumes) {
    const dir = namespaceDataDir(volume, namespace);
    if (dir && local) await removeNodeData(dir);
    else if (dir) left.push(`${dir} (PersistentVolume ${volume.metadata?.name}, on a node that is not this host)`);
    if (!local && dir) continue;
    await releaseFinalizer(options, volume.metadata?.name ?? '');
  }
  const { objects } = kubeClients(options);
  await Promise.all(volumes.map(({ volume }) => objects.delete(volume as KubernetesObject).catch(ignoreMissing)));
  return left;
}

/** Takes our node-data finalizer off the volume (a few tries: a heartbeat may change it meanwhile). */
async function releaseFinalizer(options: RunOptions, name: string): Promise<void> {
  const { core } = kubeClients(options);
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await core.readPersistentVolume({ name }).catch(() => undefined);
    const finalizers = current?.metadata?.finalizers ?? [];
    if (!current || !finalizers.includes(nodeDataFinalizer)) return;
    const body = {
      metadata: {
        resourceVersion: current.metadata?.resourceVersion,
        finalizers: finalizers.filter((f) => f !== nodeDataFinalizer),
      },
    };
    const patched = await core
      .patchPersistentVolume({ name, body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch))
      .then(
        () => true,
        (error: unknown) => {
          if (apiStatus(error) === 404) return true;
          if (apiStatus(error) === 409) return false;
          throw error;
        },
      );
    if (patched) return;
  }
}

/**
 * The release's volumes that carry the node-data finalizer (the run heartbeat adds it): those bound to its claims
 * and those helm created for it.
 */
async function finalizedVolumesOf(
  options: RunOptions,
  release: { releaseName: string; namespace: string },
  volumeNames: readonly string[],
): Promise<V1PersistentVolume[]> {
  const { items } = await kubeClients(options).core.listPersistentVolume();
  // items of a list carry no kind: the deletion that follows needs it
  return items
    .map((volume) => ({ ...volume, apiVersion: 'v1', kind: 'PersistentVolume' }))
    .filter((volume) => {
      if (!volume.metadata?.finalizers?.includes(nodeDataFinalizer)) return false;
      const annotations = volume.metadata.annotations ?? {};
      const madeByRelease =
        annotations['meta.helm.sh/release-name'] === release.releaseName &&
        annotations['meta.helm.sh/release-namespace'] === release.namespace;
      return madeByRelease || volumeNames.includes(volume.metadata.name ?? '');
    });
}

/**
 * While a release is uninstalled: once no pod of the namespace mounts its claims any more, removes the node data of
 * its finalized volumes and releases them, until `done` is aborted (a heartbeat may finalize one more meanwhile).
 * Without this, `helm uninstall --wait` would wait for those volumes until its timeout: the finalizer holds them
 * until their data is gone.
 */
export async function releaseVolumesWhenUnused(
  options: RunOptions,
  release: { releaseName: string; namespace: string },
  claimNames: readonly string[],
  volumeNames: readonly string[],
  done: AbortSignal,
): Promise<void> {
  const { core } = kubeClients(options);
  const namespace = release.namespace;
  while (!done.aborted) {
    const { items: pods } = await core.listNamespacedPod({ namespace });
    const mounted = pods.some((pod) =>
      pod.spec?.volumes?.some((v) => claimNames.includes(v.persistentVolumeClaim?.claimName ?? '')),
    );
    const volumes = mounted ? [] : await finalizedVolumesOf(options, release, volumeNames);
    if (volumes.length > 0)
      await releaseVolumes(
        options,
        volumes.map((volume) => ({ volume, namespace })),
      );
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
