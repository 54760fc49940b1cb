/** An API version that current Kubernetes no longer serves, and what replaces it. */
export interface RemovedApi {
  readonly apiVersion: string;
  /** undefined: every kind of that apiVersion. */
  readonly kind?: string;
  readonly removedIn: string;
  /** The apiVersion to use instead, or a sentence when there is no drop-in replacement. */
  readonly replacement: string;
}

// From the Kubernetes deprecated API migration guide (1.16 to 1.32).
const removed: readonly RemovedApi[] = [
  { apiVersion: 'extensions/v1beta1', kind: 'Deployment', removedIn: '1.16', replacement: 'apps/v1' },
  { apiVersion: 'extensions/v1beta1', kind: 'DaemonSet', removedIn: '1.16', replacement: 'apps/v1' },
  { apiVersion: 'extensions/v1beta1', kind: 'ReplicaSet', removedIn: '1.16', replacement: 'apps/v1' },
  { apiVersion: 'extensions/v1beta1', kind: 'NetworkPolicy', removedIn: '1.16', replacement: 'networking.k8s.io/v1' },
  {
    apiVersion: 'extensions/v1beta1',
    kind: 'Ingress',
    removedIn: '1.22',
    replacement: 'networking.k8s.io/v1 (spec.rules[].http.paths[].backend.service.{name,port}, pathType)',
  },
  {
    apiVersion: 'extensions/v1beta1',
    kind: 'PodSecurityPolicy',
    removedIn: '1.16',
    replacement: 'nothing: PodSecurityPolicy is gone since 1.25; use Pod Security Admission labels on the namespace',
  },
  {
    apiVersion: 'extensions/v1beta1',
    removedIn: '1.22',
    replacement: "the kind's current group (apps/v1, networking.k8s.io/v1)",
  },
  { apiVersion: 'apps/v1beta1', removedIn: '1.16', replacement: 'apps/v1' },
  { apiVersion: 'apps/v1beta2', removedIn: '1.16', replacement: 'apps/v1' },
  { apiVersion: 'networking.k8s.io/v1beta1', removedIn: '1.22', replacement: 'networking.k8s.io/v1' },
  { apiVersion: 'rbac.authorization.k8s.io/v1alpha1', removedIn: '1.22', replacement: 'rbac.authorization.k8s.io/v1' },
  { apiVersion: 'rbac.authorization.k8s.io/v1beta1', removedIn: '1.22', replacement: 'rbac.authorization.k8s.io/v1' },
  {
    apiVersion: 'apiextensions.k8s.io/v1beta1',
    removedIn: '1.22',
    replacement: 'apiextensions.k8s.io/v1 (a structural schema per version is required)',
  },
  {
    apiVersion: 'admissionregistration.k8s.io/v1beta1',
    removedIn: '1.22',
    replacement: 'admissionregistration.k8s.io/v1',
  },
  { apiVersion: 'apiregistration.k8s.io/v1beta1', removedIn: '1.22', replacement: 'apiregistration.k8s.io/v1' },
  { apiVersion: 'authentication.k8s.io/v1beta1', removedIn: '1.22', replacement: 'authentication.k8s.io/v1' },
  { apiVersion: 'authorization.k8s.io/v1beta1', removedIn: '1.22', replacement: 'authorization.k8s.io/v1' },
  { apiVersion: 'certificates.k8s.io/v1beta1', removedIn: '1.22', replacement: 'certificates.k8s.io/v1' },
  { apiVersion: 'coordination.k8s.io/v1beta1', removedIn: '1.22', replacement: 'coordination.k8s.io/v1' },
  { apiVersion: 'scheduling.k8s.io/v1alpha1', removedIn: '1.17', replacement: 'scheduling.k8s.io/v1' },
  { apiVersion: 'scheduling.k8s.io/v1beta1', removedIn: '1.22', replacement: 'scheduling.k8s.io/v1' },
  {
    apiVersion: 'storage.k8s.io/v1beta1',
    kind: 'CSIStorageCapacity',
    removedIn: '1.27',
    replacement: 'storage.k8s.io/v1',
  },
  { apiVersion: 'storage.k8s.io/v1beta1', removedIn: '1.22', replacement: 'storage.k8s.io/v1' },
  { apiVersion: 'batch/v1beta1', removedIn: '1.25', replacement: 'batch/v1' },
  { apiVersion: 'batch/v2alpha1', removedIn: '1.21', replacement: 'batch/v1' },
  { apiVersion: 'discovery.k8s.io/v1beta1', removedIn: '1.25', replacement: 'discovery.k8s.io/v1' },
  { apiVersion: 'events.k8s.io/v1beta1', removedIn: '1.25', replacement: 'events.k8s.io/v1' },
  { apiVersion: 'autoscaling/v2beta1', removedIn: '1.25', replacement: 'autoscaling/v2' },
  { apiVersion: 'autoscaling/v2beta2', removedIn: '1.26', replacement: 'autoscaling/v2' },
  {
    apiVersion: 'policy/v1beta1',
    kind: 'PodSecurityPolicy',
    removedIn: '1.25',
    replacement: 'nothing: use Pod Security Admission labels on the namespace',
  },
  { apiVersion: 'policy/v1beta1', removedIn: '1.25', replacement: 'policy/v1' },
  { apiVersion: 'node.k8s.io/v1beta1', removedIn: '1.25', replacement: 'node.k8s.io/v1' },
  { apiVersion: 'node.k8s.io/v1alpha1', removedIn: '1.22', replacement: 'node.k8s.io/v1' },
  {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta1',
    removedIn: '1.26',
    replacement: 'flowcontrol.apiserver.k8s.io/v1',
  },
  {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta2',
    removedIn: '1.29',
    replacement: 'flowcontrol.apiserver.k8s.io/v1',
  },
  {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3',
    removedIn: '1.32',
    replacement: 'flowcontrol.apiserver.k8s.io/v1',
  },
];

/** The removal that applies to this apiVersion and kind, if any (a kind-specific entry wins). */
export function removedApi(apiVersion: string, kind: string): RemovedApi | undefined {
  return (
    removed.find((entry) => entry.apiVersion === apiVersion && entry.kind === kind) ??
    removed.find((entry) => entry.apiVersion === apiVersion && entry.kind === undefined)
  );
}
