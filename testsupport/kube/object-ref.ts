import type { KubernetesObject } from '@kubernetes/client-node';

/** Names one object in a cluster. */
export interface ObjectRef {
  readonly kind: string;
  readonly name: string;
  /** Undefined for cluster-scoped objects. */
  readonly namespace?: string | undefined;
  readonly apiVersion?: string | undefined;
}

export interface KindInfo {
  readonly apiVersion: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

/** The kinds chart-testware watches or lists by path (no discovery round trip needed). */
const kinds: Record<string, KindInfo> = {
  Pod: { apiVersion: 'v1', plural: 'pods', namespaced: true },
  Service: { apiVersion: 'v1', plural: 'services', namespaced: true },
  ConfigMap: { apiVersion: 'v1', plural: 'configmaps', namespaced: true },
  PersistentVolumeClaim: { apiVersion: 'v1', plural: 'persistentvolumeclaims', namespaced: true },
  PersistentVolume: { apiVersion: 'v1', plural: 'persistentvolumes', namespaced: false },
  Event: { apiVersion: 'v1', plural: 'events', namespaced: true },
  Namespace: { apiVersion: 'v1', plural: 'namespaces', namespaced: false },
  ServiceAccount: { apiVersion: 'v1', plural: 'serviceaccounts', namespaced: true },
  Deployment: { apiVersion: 'apps/v1', plural: 'deployments', namespaced: true },
  ReplicaSet: { apiVersion: 'apps/v1', plural: 'replicasets', namespaced: true },
  StatefulSet: { apiVersion: 'apps/v1', plural: 'statefulsets', namespaced: true },
  DaemonSet: { apiVersion: 'apps/v1', plural: 'daemonsets', namespaced: true },
  Job: { apiVersion: 'batch/v1', plural: 'jobs', namespaced: true },
  StorageClass: { apiVersion: 'storage.k8s.io/v1', plural: 'storageclasses', namespaced: false },
  EndpointSlice: { apiVersion: 'discovery.k8s.io/v1', plural: 'endpointslices', namespaced: true },
};

export function knownKind(kind: string): KindInfo | undefined {
  return kinds[kind] ?? discovered.get(kind);
}

/** Kinds found by API discovery (custom resources), see kind-discovery.ts; the built-in table wins. */
const discovered = new Map<string, KindInfo>();

export function registerKind(kind: string, info: KindInfo): void {
  if (!kinds[kind]) discovered.set(kind, info);
}

/** The collection path of a known kind, e.g. /apis/apps/v1/namespaces/ci/deployments. */
export function collectionPath(kind: string, namespace?: string): string {
  const info = knownKind(kind);
  if (!info) throw new Error(`chart-testware has no API path for kind ${kind}`);
  const group = info.apiVersion.includes('/') ? `/apis/${info.apiVersion}` : `/api/${info.apiVersion}`;
  return info.namespaced && namespace ? `${group}/namespaces/${namespace}/${info.plural}` : `${group}/${info.plural}`;
}

export function refOf(object: KubernetesObject): ObjectRef {
  return {
    kind: object.kind ?? '?',
    name: object.metadata?.name ?? '?',
    namespace: object.metadata?.namespace,
    apiVersion: object.apiVersion,
  };
}

/** "Deployment ci/web": how errors and progress lines name an object. */
export function describeRef(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind} ${ref.namespace}/${ref.name}` : `${ref.kind} ${ref.name}`;
}

export function refKey(ref: ObjectRef): string {
  return `${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}
