import type { KubernetesObject, V1PersistentVolumeClaim, V1StatefulSet } from '@kubernetes/client-node';
import type { RunOptions } from '../config/options.ts';
import type { HelmTestAdaptor } from '../helm/helm-test-adaptor.ts';
import { kubeClients } from '../kube/kube-clients.ts';
import { waitUntil } from '../kube/wait-until.ts';
import { releaseVolumesWhenUnused, type StorageCleaner } from './storage-cleaner.ts';

/** What the uninstall of a release needs to know about it. */
export interface StoredRelease {
  readonly releaseName: string;
  readonly namespace: string;
  readonly helm: HelmTestAdaptor;
  readonly options: RunOptions;
  manifestObjects(): Promise<KubernetesObject[]>;
}

export interface ReleaseClaims {
  /** Those in the manifest and those the StatefulSets' volumeClaimTemplates made. */
  readonly all: V1PersistentVolumeClaim[];
  /** Only those the StatefulSets made: helm leaves them behind. */
  readonly templated: V1PersistentVolumeClaim[];
}

/** Claims of the release: those in its manifest and those its StatefulSets' volumeClaimTemplates made. */
export async function releaseClaims(release: StoredRelease): Promise<ReleaseClaims> {
  const objects = await release.manifestObjects();
  const named = new Set(objects.filter((o) => o.kind === 'PersistentVolumeClaim').map((o) => o.metadata?.name));
  const prefixes = objects
    .filter((o): o is V1StatefulSet => o.kind === 'StatefulSet')
    .flatMap((set) =>
      (set.spec?.volumeClaimTemplates ?? []).map((template) => `${template.metadata?.name}-${set.metadata?.name}-`),
    );
  if (named.size === 0 && prefixes.length === 0) return { all: [], templated: [] };
  const { core } = kubeClients(release.options);
  const existing = (await core.listNamespacedPersistentVolumeClaim({ namespace: release.namespace })).items;
  const templated = existing.filter((claim) => {
    const name = claim.metadata?.name ?? '';
    return prefixes.some((prefix) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)));
  });
  const all = [...existing.filter((claim) => named.has(claim.metadata?.name)), ...templated];
  return { all, templated };
}

/**
 * Records in `cleaner` what the release's uninstall must delete besides what helm deletes: the volumes bound to any
 * of its claims, then the claims its StatefulSets made (helm leaves those). Called when they are first seen (the
 * release became ready) and again at its uninstall; returns the claims found now.
 */
export async function recordReleaseStorage(release: StoredRelease, cleaner: StorageCleaner): Promise<ReleaseClaims> {
  const claims = await releaseClaims(release);
  for (const claim of claims.all) {
    const name = claim.spec?.volumeName;
    if (name) cleaner.volume({ metadata: { name } }, release.namespace, { nodeData: false });
  }
  for (const claim of claims.templated) cleaner.claim(release.namespace, claim.metadata?.name ?? '');
  return claims;
}

/**
 * Uninstalls the release while `cleaner` deletes what it recorded (claims, then volumes): helm's --wait would wait
 * forever for a PV still bound to a claim it does not delete. Kubernetes keeps a claim until no pod uses it and a
 * bound volume until its claim is gone. With `wait`, until all of it is gone.
 */
export async function uninstallWithStorage(
  release: StoredRelease,
  cleaner: StorageCleaner,
  { wait, timeout }: { wait: boolean; timeout?: number },
): Promise<void> {
  const { options } = release;
  const claims = await recordReleaseStorage(release, cleaner).catch(() => ({ all: [], templated: [] }));
  const volumes = cleaner.recordedNames('PersistentVolume');
  // helm's --wait would wait until its timeout for a PV that our node-data finalizer holds: release those once
  // no pod mounts them any more, alongside
  const uninstalled = new AbortController();
  if (!wait) uninstalled.abort(); // without waiting, the run's clean-up releases them
  const releasing = releaseVolumesWhenUnused(
    options,
    release,
    claims.all.map((claim) => claim.metadata?.name ?? ''),
    volumes,
    uninstalled.signal,
  ).then(
    () => undefined,
    (error: unknown) => error,
  );
  try {
    await Promise.all([
      release.helm.uninstall(release.releaseName, {
        wait,
        ignoreNotFound: true,
        timeout: timeout ?? options.timeouts.helmTimeoutMs,
      }),
      cleaner.clean({ wait }),
    ]);
  } finally {
    uninstalled.abort();
  }
  const releaseError = await releasing;
  if (releaseError) throw releaseError;
  const claimNames = [
    ...claims.all.map((claim) => claim.metadata?.name ?? ''),
    ...cleaner.recordedNames('PersistentVolumeClaim'),
  ];
  if (wait && cleaner.recorded.length > 0) {
    await waitUntilDeleted(
      release,
      [...new Set(claimNames)],
      volumes,
      timeout ?? options.timeouts.namespaceDeleteTimeoutMs,
    );
  }
}

async function waitUntilDeleted(
  release: StoredRelease,
  claims: readonly string[],
  volumes: readonly string[],
  timeout: number,
): Promise<void> {
  const { core } = kubeClients(release.options);
  const exists = (read: Promise<unknown>) =>
    read.then(
      () => true,
      () => false,
    );
  await waitUntil(
    async () => {
      for (const name of volumes) if (await exists(core.readPersistentVolume({ name }))) return false;
      for (const name of claims) {
        if (await exists(core.readNamespacedPersistentVolumeClaim({ name, namespace: release.namespace })))
          return false;
      }
      return true;
    },
    {
      timeout,
      interval: 100,
      description: `claims and volumes of release ${release.releaseName} to be deleted (${[
        ...claims.map((name) => `pvc/${name}`),
        ...volumes.map((name) => `pv/${name}`),
      ].join(', ')})`,
    },
  );
}
