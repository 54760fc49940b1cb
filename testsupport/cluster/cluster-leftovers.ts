import type { KubernetesObject, V1PersistentVolume } from '@kubernetes/client-node';
import type { RunOptions } from '../config/options.ts';
import { apiStatus, kubeClients, mergePatch } from '../kube/kube-clients.ts';
import { namespaceDataDir, nodesAreThisHost } from './node-data.ts';

/**
 * What the releases of a namespace leave outside it, and how it is found again:
 * - every object helm creates carries `meta.helm.sh/release-namespace`, written by the same API call that creates
 *   it: cluster-scoped objects of these kinds with our namespace there are ours;
 * - PersistentVolumes bound to (or reserved for) a claim of the namespace (`spec.claimRef`);
 * - once recorded (recordLeftovers: by the runner's heartbeat, and by every clean-up before it deletes anything)
 *   they carry `leftoverOfLabel=<namespace>`, which outlives the namespace: a clean-up that dies half-way, or a
 *   namespace deleted by other means, leaves labelled orphans that the next run and the janitor find.
 * The namespace is deleted only after every other leftover was, and volumes only after their node data (the
 * deleting is storage-cleaner.ts's).
 */
export const leftoverOfLabel = 'chart-testware.io/leftover-of';
const helmNamespaceAnnotation = 'meta.helm.sh/release-namespace';

const clusterKinds: readonly { apiVersion: string; kind: string }[] = [
  { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding' },
  { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass' },
  { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration' },
  { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration' },
  { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass' },
  { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver' },
  { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' },
];

export interface Leftovers {
  /** StorageClasses, cluster RBAC, ...: deleted before the namespace. */
  readonly objects: KubernetesObject[];
  /** With the namespace each belongs to: deleted after it, once their node data is gone. */
  readonly volumes: { volume: V1PersistentVolume; namespace: string }[];
}

/** The cluster-scoped objects that belong to the namespaces. */
export async function clusterLeftovers(options: RunOptions, names: readonly string[]): Promise<Leftovers> {
  const { core, objects } = kubeClients(options);
  const owner = (object: KubernetesObject) =>
    [
      object.metadata?.labels?.[leftoverOfLabel],
      object.metadata?.annotations?.[helmNamespaceAnnotation],
      (object as V1PersistentVolume).spec?.claimRef?.namespace,
    ].find((namespace) => !!namespace && names.includes(namespace));
  const volumes = (await core.listPersistentVolume()).items.flatMap((volume) => {
    const namespace = owner(volume);
    return namespace ? [{ volume: { ...volume, kind: 'PersistentVolume', apiVersion: 'v1' }, namespace }] : [];
  });
  const lists = await Promise.all(
    clusterKinds.map(async ({ apiVersion, kind }) => {
      try {
        const list = await objects.list(apiVersion, kind);
        return list.items.filter((item) => owner(item)).map((item) => ({ ...item, kind, apiVersion }));
      } catch {
        // a kind this cluster does not serve, or no permission to list it: nothing we could delete either
        return [];
      }
    }),
  );
  return { objects: lists.flat(), volumes };
}

/**
 * Records the leftovers as the namespace's: labels each `leftoverOfLabel=<namespace>`, and gives each volume whose
 * node data this host can remove the finalizer `nodeDataFinalizer`, so that the volume (and with it the data's
 * path) outlives any deletion until that data is gone. The runner does this on every heartbeat (so what a release
 * makes is recorded within seconds of appearing), and every clean-up before it deletes anything.
 */
export async function recordLeftovers(options: RunOptions, leftovers: Leftovers): Promise<void> {
  const { objects } = kubeClients(options);
  const local = leftovers.volumes.length > 0 && (await nodesAreThisHost(options));
  const all = [
    ...leftovers.objects.map((object) => ({ object, namespace: ownerNamespace(object), finalize: false })),
    ...leftovers.volumes.map(({ volume, namespace }) => ({
      object: volume as KubernetesObject,
      namespace,
      finalize: local && !!namespaceDataDir(volume, namespace),
    })),
  ];
  await Promise.all(
    all.map(async ({ object, namespace, finalize }) => {
      const finalizers = object.metadata?.finalizers ?? [];
      const addFinalizer = finalize && !finalizers.includes(nodeDataFinalizer);
      if (!namespace || (object.metadata?.labels?.[leftoverOfLabel] === namespace && !addFinalizer)) return;
      const metadata: Record<string, unknown> = { labels: { [leftoverOfLabel]: namespace } };
      // a merge patch replaces the list: send it whole, guarded by the resourceVersion it was read at
      if (addFinalizer) Object.assign(metadata, { finalizers: [...finalizers, nodeDataFinalizer] });
      if (addFinalizer) metadata.resourceVersion = object.metadata?.resourceVersion;
      await mergePatch(objects, {
        apiVersion: object.apiVersion,
        kind: object.kind,
        metadata: { name: object.metadata?.name, ...metadata },
      }).catch((error: unknown) => {
        // gone, or changed since it was listed: the next record sees it again
        if (apiStatus(error) !== 404 && apiStatus(error) !== 409) throw error;
      });
    }),
  );
}

function ownerNamespace(object: KubernetesObject): string | undefined {
  return object.metadata?.labels?.[leftoverOfLabel] ?? object.metadata?.annotations?.[helmNamespaceAnnotation];
}

/** Holds a volume whose node data is still on this host's disk until it is removed. */
export const nodeDataFinalizer = 'chart-testware.io/node-data';

/**
 * Leftovers labelled as those of namespaces that no longer exist: a clean-up that did not finish, or a namespace
 * deleted by other means. Cluster-scoped objects are returned to delete, volumes to release.
 */
export async function orphanedLeftovers(options: RunOptions): Promise<Leftovers> {
  const { core, objects } = kubeClients(options);
  const exists = new Map<string, Promise<boolean>>();
  const namespaceExists = (name: string) => {
    let answer = exists.get(name);
    if (!answer) {
      answer = core.readNamespace({ name }).then(
        () => true,
        (error: unknown) => apiStatus(error) !== 404,
      );
      exists.set(name, answer);
    }
    return answer;
  };
  const orphan = async (object: KubernetesObject) =>
    !(await namespaceExists(object.metadata?.labels?.[leftoverOfLabel] ?? ''));
  const volumes: Leftovers['volumes'] = [];
  for (const volume of (await core.listPersistentVolume({ labelSelector: leftoverOfLabel })).items) {
    if (await orphan(volume))
      volumes.push({
        volume: { ...volume, kind: 'PersistentVolume', apiVersion: 'v1' },
        namespace: volume.metadata?.labels?.[leftoverOfLabel] ?? '',
      });
  }
  const found: KubernetesObject[] = [];
  for (const { apiVersion, kind } of clusterKinds) {
    try {
      const list = await objects.list(
        apiVersion,
        kind,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        leftoverOfLabel,
      );
      for (const item of list.items) if (await orphan(item)) found.push({ ...item, kind, apiVersion });
    } catch {
      // not served, or not ours to list
    }
  }
  return { objects: found, volumes };
}
