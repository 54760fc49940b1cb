import type { V1PersistentVolume } from '@kubernetes/client-node';
import type { RunOptions } from '../config/options.ts';
import { kubeClients } from '../kube/kube-clients.ts';
import { nodeDataFinalizer, releaseVolumes } from './cluster-leftovers.ts';

/**
 * The release's volumes that carry the node-data finalizer (the run heartbeat adds it): those bound to its claims
 * and those helm created for it.
 */
export async function finalizedVolumesOf(
  options: RunOptions,
  release: { releaseName: string; namespace: string },
  volumeNames: readonly string[],
): Promise<V1PersistentVolume[]> {
  const { core } = kubeClients(options);
  const { items } = await core.listPersistentVolume();
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
