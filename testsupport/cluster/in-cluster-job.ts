import type { KubernetesObject, V1Container, V1Job, V1PolicyRule } from '@kubernetes/client-node';
import type { RunOptions } from '../config/options.ts';
import { apiStatus, kubeClients } from '../kube/kube-clients.ts';
import { waitUntil } from '../kube/wait-until.ts';
import { leftoverOfLabel } from './cluster-leftovers.ts';
import { managedByLabel, managedByValue, runIdLabel } from './namespace-ownership.ts';

/** Where the workspace lands in the pods (an emptyDir), and the files the runner and the shard talk through. */
export const podWorkspace = '/workspace';
export const podStateDir = `${podWorkspace}/.chart-testware-shard`;
export const readyMarker = `${podStateDir}/workspace-ready`;
export const collectedMarker = `${podStateDir}/results-collected`;
export const shardContainer = 'shard';
/** The shard's last line on stdout, with Jest's exit code after it. */
export const shardDoneLine = 'chart-testware shard done: exit';

/**
 * What the tests may do in their (the Job's) namespace: install, query, exec into, port-forward to and uninstall
 * what helm installs there. Namespaced kinds only: a Role cannot create namespaces, StorageClasses or cluster RBAC.
 */
export const shardRules: readonly V1PolicyRule[] = [
  {
    apiGroups: [''],
    resources: [
      'pods',
      'services',
      'endpoints',
      'configmaps',
      'secrets',
      'serviceaccounts',
      'persistentvolumeclaims',
      'replicationcontrollers',
    ],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'],
  },
  { apiGroups: [''], resources: ['pods/log', 'pods/status'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['pods/exec', 'pods/portforward'], verbs: ['get', 'create'] },
  { apiGroups: [''], resources: ['events'], verbs: ['get', 'list', 'watch', 'create'] },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['get', 'list', 'watch'] },
  {
    apiGroups: ['apps'],
    resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets', 'controllerrevisions'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'],
  },
  {
    apiGroups: ['batch'],
    resources: ['jobs', 'cronjobs'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'],
  },
  {
    apiGroups: ['policy', 'networking.k8s.io', 'autoscaling', 'coordination.k8s.io'],
    resources: ['poddisruptionbudgets', 'networkpolicies', 'ingresses', 'horizontalpodautoscalers', 'leases'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
  },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
  {
    apiGroups: ['rbac.authorization.k8s.io'],
    resources: ['roles', 'rolebindings'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
  },
];

/**
 * Read-only, cluster-wide: what the readiness wait and diagnostics look at beside the namespace (the volumes a
 * claim binds to, their StorageClasses, the nodes pods run on). Labelled as a leftover of the job namespace, so
 * that the namespace's clean-up (and the janitor) deletes it even if this run is killed.
 */
export const shardClusterRules: readonly V1PolicyRule[] = [
  { apiGroups: [''], resources: ['persistentvolumes', 'nodes', 'namespaces'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get', 'list', 'watch'] },
];

export interface ShardJobSpec {
  readonly name: string;
  readonly namespace: string;
  readonly image: string;
  readonly shards: number;
  /** The Job's environment: options of the shard run, its Jest arguments. */
  readonly env: Readonly<Record<string, string>>;
  /** The shard's entry module, relative to the workspace. */
  readonly entry: string;
}

/** The ServiceAccount, Role, RoleBinding and Indexed Job of one in-cluster run, in order of creation. */
export function shardObjects(options: RunOptions, spec: ShardJobSpec): KubernetesObject[] {
  const labels = {
    [managedByLabel]: managedByValue,
    [runIdLabel]: options.runId,
    'chart-testware.io/shards': spec.name,
  };
  const metadata = { name: spec.name, namespace: spec.namespace, labels };
  const job = shardJob(spec, metadata);
  const clusterMetadata = { name: `${spec.name}-read`, labels: { ...labels, [leftoverOfLabel]: spec.namespace } };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata, automountServiceAccountToken: false } as KubernetesObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: clusterMetadata,
      rules: shardClusterRules,
    } as KubernetesObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: clusterMetadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterMetadata.name },
      subjects: [{ kind: 'ServiceAccount', name: spec.name, namespace: spec.namespace }],
    } as KubernetesObject,
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata, rules: shardRules } as KubernetesObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: spec.name },
      subjects: [{ kind: 'ServiceAccount', name: spec.name, namespace: spec.namespace }],
    } as KubernetesObject,
    job as KubernetesObject,
  ];
}

/** The Indexed Job: N pods that wait for the workspace, then run their shard. */
function shardJob(
  spec: ShardJobSpec,
  metadata: { name: string; namespace: string; labels: Record<string, string> },
): V1Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata,
    spec: {
      completionMode: 'Indexed',
      completions: spec.shards,
      parallelism: spec.shards,
      backoffLimit: 0,
      ttlSecondsAfterFinished: 600,
      template: {
        metadata: { labels: metadata.labels },
        spec: {
          serviceAccountName: spec.name,
          automountServiceAccountToken: true,
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 5,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 10001,
            runAsGroup: 10001,
            fsGroup: 10001,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [shardContainerSpec(spec)],
          volumes: [
            { name: 'workspace', emptyDir: {} },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  };
}

function shardContainerSpec(spec: ShardJobSpec): V1Container {
  const waitThenRun = [
    `until [ -f ${readyMarker} ]; do sleep 0.2; done`,
    'mkdir -p -m 700 "$HOME" "$SWC_NATIVE_BINDING_CACHE"',
    `exec node --disable-warning=ExperimentalWarning ${podWorkspace}/${spec.entry}`,
  ].join('; ');
  return {
    name: shardContainer,
    image: spec.image,
    imagePullPolicy: 'IfNotPresent',
    command: ['sh', '-c', waitThenRun],
    workingDir: podWorkspace,
    env: [
      ...Object.entries(spec.env).map(([name, value]) => ({ name, value })),
      { name: 'HOME', value: `${podStateDir}/home` },
      { name: 'TMPDIR', value: '/tmp' },
      { name: 'CI', value: 'true' },
      // swc's native addon unpacks itself into a cache whose parents no other user may write; an
      // emptyDir is mode 0777, but only this pod's own processes (one uid) can write to it
      { name: 'SWC_NATIVE_BINDING_CACHE', value: `${podStateDir}/swc-cache` },
      { name: 'SWC_NATIVE_BINDING_CACHE_SKIP_SECURITY_CHECK', value: '1' },
    ],
    resources: { requests: { cpu: '50m', memory: '256Mi' }, limits: { memory: '2Gi' } },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [
      { name: 'workspace', mountPath: podWorkspace },
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
}

export async function createShardObjects(options: RunOptions, objects: readonly KubernetesObject[]): Promise<void> {
  const { objects: api } = kubeClients(options);
  for (const object of objects) await api.create(object);
}

/**
 * Deletes the run's objects in reverse order (the Job with its pods first) and waits until no pod of the Job is
 * left; what is already gone is fine. Every object is tried even when one fails; the first error is thrown.
 */
export async function deleteShardObjects(
  options: RunOptions,
  objects: readonly KubernetesObject[],
  timeout = 60_000,
): Promise<void> {
  const { objects: api, core } = kubeClients(options);
  let firstError: unknown;
  for (const object of [...objects].reverse()) {
    try {
      await api.delete(object, undefined, undefined, 0, undefined, 'Foreground');
    } catch (error) {
      if (apiStatus(error) !== 404) firstError ??= error;
    }
  }
  const job = objects.find((object) => object.kind === 'Job');
  if (job?.metadata?.namespace) {
    const namespace = job.metadata.namespace;
    const labelSelector = `chart-testware.io/shards=${job.metadata.name}`;
    await core
      .deleteCollectionNamespacedPod({ namespace, labelSelector, gracePeriodSeconds: 0 })
      .catch(() => undefined);
    await waitUntil(async () => (await core.listNamespacedPod({ namespace, labelSelector })).items.length === 0, {
      timeout,
      interval: 500,
      description: `the pods of Job ${namespace}/${job.metadata.name} to be gone`,
    });
  }
  if (firstError) throw firstError;
}
