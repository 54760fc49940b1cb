import type { ObjectRef } from '../kube/object-ref.ts';
import { type WaitForOptions, type WaitForResult, waitFor } from '../kube/wait-for.ts';
import { readinessCondition, readinessRelatedKinds } from './readiness.ts';
import { recordingTransitions } from './readiness-transitions.ts';

/**
 * Waits until every object is ready by its kind's rules (see readiness.ts), failing fast with
 * ChartNotReadyError when one can never become ready.
 */
export function waitForReady(objects: readonly ObjectRef[], options: WaitForOptions = {}): Promise<WaitForResult> {
  return waitFor(objects, recordingTransitions(readinessCondition(), options.label), {
    ...options,
    related: [...readinessRelatedKinds, ...(options.related ?? [])],
  });
}

const one =
  (kind: string) =>
  (name: string, namespace: string, options: WaitForOptions = {}): Promise<WaitForResult> =>
    waitForReady([{ kind, name, namespace }], { label: `${kind} ${namespace}/${name}`, ...options });

/** Deployment: latest generation observed, all replicas updated and available, no pod of an older ReplicaSet left. */
export const waitForDeployment = one('Deployment');
/** StatefulSet: all replicas ready (and available), updated, currentRevision == updateRevision. */
export const waitForStatefulSet = one('StatefulSet');
/** DaemonSet: every scheduled pod updated, ready and available. */
export const waitForDaemonSet = one('DaemonSet');
/** Job: the Complete condition (BackoffLimitExceeded fails at once). */
export const waitForJob = one('Job');
/** Pod: the Ready condition (or Succeeded). */
export const waitForPod = one('Pod');
/** PersistentVolumeClaim: Bound (fails when nothing can ever bind it). */
export const waitForClaim = one('PersistentVolumeClaim');
/** Service: at least one ready endpoint in its EndpointSlices (at once for services without selector). */
export const waitForService = one('Service');
