import {
  type KubernetesObject,
  PatchStrategy,
  setHeaderOptions,
  type V1PersistentVolume,
} from '@kubernetes/client-node';
import type { RunOptions } from '../config/options.ts';
import { apiStatus, kubeClients } from '../kube/kube-clients.ts';
import { namespaceDataDir, nodesAreThisHost, removeNodeData } from './node-data.ts';

/**
 * What the releases of a namespace leave outside it, and how it is found again:
 * - every object helm creates carries `meta.helm.sh/release-namespace`, written by the same API call that creates
 *   it: cluster-scoped objects of these kinds with our namespace there are ours;
 * - PersistentVolumes bound to (or reserved for) a claim of the namespace (`spec.claimRef`);
 * - while the namespace is being deleted, its volumes carry `leftoverOfLabel=<namespace>`: they outlive it until
 *   their node data is removed, so a run that dies half-way leaves a record the next run and the janitor find.
 * The namespace is deleted only after every other leftover was deleted, so a crash at any point leaves either the
 * namespace (whose releases still name it) or labelled volumes.
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

/** Labels the volumes with their namespace, so they stay known as ours once the namespace is gone. */
export async function markVolumes(options: RunOptions, leftovers: Leftovers): Promise<void> {
  const { core } = kubeClients(options);
  await Promise.all(
    leftovers.volumes
      .filter(({ volume, namespace }) => volume.metadata?.labels?.[leftoverOfLabel] !== namespace)
      .map(({ volume, namespace }) =>
        core
          .patchPersistentVolume(
            { name: volume.metadata?.name ?? '', body: { metadata: { labels: { [leftoverOfLabel]: namespace } } } },
            setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
          )
          .catch((error: unknown) => {
            if (apiStatus(error) !== 404) throw error;
          }),
      ),
  );
}

export async function deleteObjects(options: RunOptions, list: readonly KubernetesObject[]): Promise<void> {
  const { objects } = kubeClients(options);
  await Promise.all(
    list.map((object) =>
      objects.delete(object).catch((error: unknown) => {
        if (apiStatus(error) !== 404) throw error;
      }),
    ),
  );
}

/**
 * For volumes whose namespace is gone (its pods with it): removes their node data when the node is this host,
 * then deletes them. Returns what is left on the node, for the caller to report.
 */
export async function releaseVolumes(options: RunOptions, volumes: Leftovers['volumes']): Promise<string[]> {
  const left: string[] = [];
  const local = volumes.length > 0 && (await nodesAreThisHost(options));
  for (const { volume, namespace } of volumes) {
    const dir = namespaceDataDir(volume, namespace);
    if (dir && local) await removeNodeData(dir);
    else if (dir) left.push(`${dir} (PersistentVolume ${volume.metadata?.name}, on a node that is not this host)`);
  }
  await deleteObjects(options, volumes.map(({ volume }) => volume) as KubernetesObject[]);
  return left;
}

/** Volumes labelled as leftovers of namespaces that no longer exist: a clean-up that did not finish. */
export async function orphanedVolumes(options: RunOptions): Promise<Leftovers['volumes']> {
  const { core } = kubeClients(options);
  const labelled = (await core.listPersistentVolume({ labelSelector: leftoverOfLabel })).items;
  const orphans: Leftovers['volumes'] = [];
  for (const volume of labelled) {
    const namespace = volume.metadata?.labels?.[leftoverOfLabel] ?? '';
    const exists = await core.readNamespace({ name: namespace }).then(
      () => true,
      (error: unknown) => apiStatus(error) !== 404,
    );
    if (!exists) orphans.push({ volume: { ...volume, kind: 'PersistentVolume', apiVersion: 'v1' }, namespace });
  }
  return orphans;
}
