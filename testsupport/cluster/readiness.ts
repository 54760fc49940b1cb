import type {
  KubernetesObject,
  V1DaemonSet,
  V1Deployment,
  V1EndpointSlice,
  V1Job,
  V1PersistentVolumeClaim,
  V1Pod,
  V1ReplicaSet,
  V1Service,
  V1StatefulSet,
} from '@kubernetes/client-node';
import type { ObjectRef } from '../kube/object-ref.ts';
import type { ClusterView, Condition, Verdict } from '../kube/wait-for.ts';
import { ChartNotReadyError, type NotReadyReason } from './chart-not-ready-error.ts';
import type { CustomReadiness } from './custom-readiness.ts';
import { FailFast } from './fail-fast.ts';

/** The kinds a readiness wait watches besides the objects themselves. */
export const readinessRelatedKinds = [
  'Pod',
  'Event',
  'ReplicaSet',
  'EndpointSlice',
  'PersistentVolumeClaim',
  'PersistentVolume',
  'StorageClass',
] as const;

/** Kinds whose pods a crash-looping container of the same release may be waiting for (its database, its server). */
const workloadKinds: readonly string[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Pod', 'Job'];

/**
 * The readiness condition of every kind a chart deploys, with fail-fast reasons (judged by `failFast`, one per
 * wait). Kinds without a notion of readiness (ConfigMap, Secret, RBAC, ...) are ready once they exist, or at once
 * when they are not watched. A verdict that is not ready says which reasons were seen but are not final yet.
 */
export function readinessCondition(failFast = new FailFast(), custom?: CustomReadiness): Condition {
  return (object, ref, view) => {
    // custom resources and kinds with a readiness rule (custom-readiness.ts) first
    const verdict = custom?.verdict(object, ref) ?? objectReadiness(object, ref, view, failFast);
    if (verdict.failure instanceof ChartNotReadyError && verdict.failure.mayWaitOnOthers) {
      const held = `${verdict.failure.message.split('\n')[0]} (held back: another workload of the release was not ready yet; it ends the wait if it crashes again)`;
      return {
        ...verdict,
        waitingFor: held,
        failureCurableBy: workloadKinds,
        failureCount: verdict.failure.details.restarts,
      };
    }
    if (verdict.ready || verdict.failure) return verdict;
    return { ...verdict, waitingFor: `${verdict.waitingFor ?? 'not ready'}${failFast.pendingNote(ref)}` };
  };
}

function objectReadiness(
  object: KubernetesObject | undefined,
  ref: ObjectRef,
  view: ClusterView,
  failFast: FailFast,
): Verdict {
  if (!object) {
    return isWatchedKind(ref.kind) ? { ready: false, waitingFor: 'does not exist (yet)' } : { ready: true };
  }
  switch (ref.kind) {
    case 'Deployment':
      return deploymentReadiness(object as V1Deployment, ref, view, failFast);
    case 'StatefulSet':
      return statefulSetReadiness(object as V1StatefulSet, ref, view, failFast);
    case 'DaemonSet':
      return daemonSetReadiness(object as V1DaemonSet, ref, view, failFast);
    case 'Job':
      return jobReadiness(object as V1Job, ref, view, failFast);
    case 'Pod':
      return podReadiness(object as V1Pod, ref, view, failFast);
    case 'PersistentVolumeClaim':
      return claimReadiness(object as V1PersistentVolumeClaim, ref, view, failFast);
    case 'Service':
      return serviceReadiness(object as V1Service, view);
    default:
      return { ready: true };
  }
}

function isWatchedKind(kind: string): boolean {
  return [
    'Deployment',
    'StatefulSet',
    'DaemonSet',
    'Job',
    'Pod',
    'PersistentVolumeClaim',
    'Service',
    'ConfigMap',
  ].includes(kind);
}

function ownedBy(object: KubernetesObject, owner: KubernetesObject): boolean {
  const uid = owner.metadata?.uid;
  return !!uid && !!object.metadata?.ownerReferences?.some((reference) => reference.uid === uid);
}

function firstPodFailure(
  pods: readonly V1Pod[],
  ref: ObjectRef,
  view: ClusterView,
  failFast: FailFast,
  ignore: readonly NotReadyReason[] = [],
): ChartNotReadyError | undefined {
  let first: ChartNotReadyError | undefined;
  // every pod is looked at, so each one's evidence is kept current
  for (const pod of pods) first ??= failFast.podFailure(pod, ref, view, ignore) ?? undefined;
  return first;
}

function generationPending(object: KubernetesObject & { status?: { observedGeneration?: number } }): boolean {
  return (object.status?.observedGeneration ?? 0) < (object.metadata?.generation ?? 0);
}

function deploymentReadiness(deployment: V1Deployment, ref: ObjectRef, view: ClusterView, failFast: FailFast): Verdict {
  const replicaSets = view.list<V1ReplicaSet>('ReplicaSet', ref.namespace).filter((rs) => ownedBy(rs, deployment));
  const revision = deployment.metadata?.annotations?.['deployment.kubernetes.io/revision'];
  const current = replicaSets.find(
    (rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] === revision,
  );
  const pods = view.list<V1Pod>('Pod', ref.namespace).filter((pod) => replicaSets.some((rs) => ownedBy(pod, rs)));
  const newPods = current ? pods.filter((pod) => ownedBy(pod, current)) : [];
  const failure = firstPodFailure(newPods, ref, view, failFast);
  if (failure) return { ready: false, failure };
  const progressing = deployment.status?.conditions?.find((condition) => condition.type === 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    const stalled = failFast.progressFailure(progressing.message ?? '', ref);
    if (stalled) return { ready: false, failure: stalled };
  }
  if (generationPending(deployment)) return { ready: false, waitingFor: 'controller has not seen the latest spec' };
  const wanted = deployment.spec?.replicas ?? 1;
  const status = deployment.status ?? {};
  if ((status.updatedReplicas ?? 0) < wanted) {
    return { ready: false, waitingFor: `${status.updatedReplicas ?? 0}/${wanted} replicas updated` };
  }
  if ((status.replicas ?? 0) > (status.updatedReplicas ?? 0)) {
    return {
      ready: false,
      waitingFor: `${(status.replicas ?? 0) - (status.updatedReplicas ?? 0)} old replicas pending termination`,
    };
  }
  if ((status.availableReplicas ?? 0) < wanted) {
    return {
      ready: false,
      waitingFor: `${status.availableReplicas ?? 0}/${wanted} replicas available${podHints(newPods)}`,
    };
  }
  const oldPods = pods.filter((pod) => !current || !ownedBy(pod, current));
  if (oldPods.length > 0) {
    return {
      ready: false,
      waitingFor: `old pods still present: ${oldPods.map((pod) => pod.metadata?.name).join(', ')}`,
    };
  }
  return { ready: true };
}

function statefulSetReadiness(set: V1StatefulSet, ref: ObjectRef, view: ClusterView, failFast: FailFast): Verdict {
  const pods = view.list<V1Pod>('Pod', ref.namespace).filter((pod) => ownedBy(pod, set));
  const failure = firstPodFailure(pods, ref, view, failFast);
  if (failure) return { ready: false, failure };
  for (const template of set.spec?.volumeClaimTemplates ?? []) {
    for (const pod of pods) {
      const claim = view.get<V1PersistentVolumeClaim>(
        'PersistentVolumeClaim',
        `${template.metadata?.name}-${pod.metadata?.name}`,
        ref.namespace,
      );
      const claimFailure = claim ? failFast.claimFailure(claim, ref, view) : undefined;
      if (claimFailure) return { ready: false, failure: claimFailure };
    }
  }
  if (generationPending(set)) return { ready: false, waitingFor: 'controller has not seen the latest spec' };
  const wanted = set.spec?.replicas ?? 1;
  const status = set.status;
  if ((status?.readyReplicas ?? 0) < wanted) {
    return { ready: false, waitingFor: `${status?.readyReplicas ?? 0}/${wanted} replicas ready${podHints(pods)}` };
  }
  if (status?.availableReplicas !== undefined && status.availableReplicas < wanted) {
    return { ready: false, waitingFor: `${status.availableReplicas}/${wanted} replicas available` };
  }
  if (set.spec?.updateStrategy?.type !== 'OnDelete') {
    if ((status?.updatedReplicas ?? 0) < wanted) {
      return { ready: false, waitingFor: `${status?.updatedReplicas ?? 0}/${wanted} replicas updated` };
    }
    if (status?.currentRevision !== status?.updateRevision) {
      return { ready: false, waitingFor: `revision ${status?.currentRevision} not yet ${status?.updateRevision}` };
    }
  }
  return { ready: true };
}

function daemonSetReadiness(set: V1DaemonSet, ref: ObjectRef, view: ClusterView, failFast: FailFast): Verdict {
  const pods = view.list<V1Pod>('Pod', ref.namespace).filter((pod) => ownedBy(pod, set));
  const failure = firstPodFailure(pods, ref, view, failFast);
  if (failure) return { ready: false, failure };
  if (generationPending(set)) return { ready: false, waitingFor: 'controller has not seen the latest spec' };
  const status = set.status;
  const desired = status?.desiredNumberScheduled ?? 0;
  if ((status?.updatedNumberScheduled ?? 0) < desired) {
    return { ready: false, waitingFor: `${status?.updatedNumberScheduled ?? 0}/${desired} pods updated` };
  }
  if ((status?.numberAvailable ?? 0) < desired || (status?.numberReady ?? 0) < desired) {
    return { ready: false, waitingFor: `${status?.numberAvailable ?? 0}/${desired} pods available${podHints(pods)}` };
  }
  return { ready: true };
}

function jobReadiness(job: V1Job, ref: ObjectRef, view: ClusterView, failFast: FailFast): Verdict {
  const jobFailure = failFast.jobFailure(job, ref);
  if (jobFailure) return { ready: false, failure: jobFailure };
  const complete = job.status?.conditions?.some(
    (condition) => condition.type === 'Complete' && condition.status === 'True',
  );
  if (complete) return { ready: true };
  const pods = view.list<V1Pod>('Pod', ref.namespace).filter((pod) => ownedBy(pod, job));
  // a failed pod is retried by the Job controller up to backoffLimit: only the Job's own Failed condition is final
  const failure = firstPodFailure(pods, ref, view, failFast, ['PodFailed']);
  if (failure) return { ready: false, failure };
  return {
    ready: false,
    waitingFor: `not complete (${job.status?.succeeded ?? 0} succeeded, ${job.status?.active ?? 0} active, ${job.status?.failed ?? 0} failed)`,
  };
}

function podReadiness(pod: V1Pod, ref: ObjectRef, view: ClusterView, failFast: FailFast): Verdict {
  const failure = failFast.podFailure(pod, ref, view);
  if (failure) return { ready: false, failure };
  if (pod.status?.phase === 'Succeeded') return { ready: true };
  const ready = pod.status?.conditions?.find((condition) => condition.type === 'Ready');
  if (ready?.status === 'True') return { ready: true };
  return { ready: false, waitingFor: `phase ${pod.status?.phase ?? 'unknown'}${podHints([pod])}` };
}

function claimReadiness(
  claim: V1PersistentVolumeClaim,
  ref: ObjectRef,
  view: ClusterView,
  failFast: FailFast,
): Verdict {
  if (claim.status?.phase === 'Bound') return { ready: true };
  const failure = failFast.claimFailure(claim, ref, view);
  if (failure) return { ready: false, failure };
  return { ready: false, waitingFor: `claim ${claim.status?.phase ?? 'Pending'}` };
}

function serviceReadiness(service: V1Service, view: ClusterView): Verdict {
  const selector = service.spec?.selector;
  if (service.spec?.type === 'ExternalName' || !selector || Object.keys(selector).length === 0) return { ready: true };
  const slices = view
    .list<V1EndpointSlice>('EndpointSlice', service.metadata?.namespace)
    .filter((slice) => slice.metadata?.labels?.['kubernetes.io/service-name'] === service.metadata?.name);
  const ready = slices.some((slice) => slice.endpoints?.some((endpoint) => endpoint.conditions?.ready !== false));
  if (ready) return { ready: true };
  return {
    ready: false,
    waitingFor: `no ready endpoints (selector ${Object.entries(selector)
      .map(([key, value]) => `${key}=${value}`)
      .join(',')})`,
  };
}

/** " (pod web-0: ContainerCreating)" — what the first unready pod waits for, for progress lines. */
function podHints(pods: readonly V1Pod[]): string {
  const hints: string[] = [];
  for (const pod of pods) {
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    const waiting = statuses.find((status) => status.state?.waiting || (status.state?.running && !status.ready));
    if (waiting) {
      hints.push(
        `${pod.metadata?.name}/${waiting.name}: ${waiting.state?.waiting?.reason ?? (waiting.state?.running ? 'running, not ready' : 'waiting')}`,
      );
    } else if (pod.status?.phase === 'Pending') {
      hints.push(`${pod.metadata?.name}: Pending`);
    }
  }
  return hints.length > 0 ? ` (${hints.slice(0, 3).join('; ')})` : '';
}
