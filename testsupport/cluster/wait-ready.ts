import { apiStatus } from '../kube/kube-clients.ts';
import type { ObjectRef } from '../kube/object-ref.ts';
import { stderrProgress } from '../kube/progress.ts';
import { runContext } from '../kube/run-context.ts';
import { type WaitForOptions, type WaitForResult, waitFor } from '../kube/wait-for.ts';
import { CustomReadiness } from './custom-readiness.ts';
import { type ExistenceCheck, FailFast } from './fail-fast.ts';
import { describeRecord, FailureEvidence, type ReasonRecord } from './failure-evidence.ts';
import { readinessCondition, readinessRelatedKinds } from './readiness.ts';
import type { ReadinessRule } from './readiness-rules.ts';
import { recordingTransitions } from './readiness-transitions.ts';

export interface ReadyWaitOptions extends WaitForOptions {
  /** Readiness rules for this wait, before chart-testware.json's (see readiness-rules.ts). */
  readonly readiness?: readonly ReadinessRule[];
}

export interface ReadyResult extends WaitForResult {
  /**
   * Every not-ready reason the wait saw on the way and did not fail on (transient messages, reasons that cleared
   * before the cluster's retries repeated them): what a loaded cluster showed for a moment.
   */
  readonly reasonsSeen: readonly ReasonRecord[];
}

/**
 * Waits until every object is ready by its kind's rules (see readiness.ts), failing fast with
 * ChartNotReadyError when one can never become ready: on a definitive reason at once, on any other one only when
 * the cluster's retries repeat it (see failure-evidence.ts). A reason that shows up is printed as a progress line
 * when first seen, and again in the line saying the objects turned ready anyway.
 */
export async function waitForReady(
  objectsGiven: readonly ObjectRef[],
  options: ReadyWaitOptions = {},
): Promise<ReadyResult> {
  const progress = options.progress ?? stderrProgress;
  const label = options.label ?? `${objectsGiven.length} object(s)`;
  const context = options.context ?? runContext();
  const { custom, objects } = await CustomReadiness.prepare(objectsGiven, context.options, {
    readiness: options.readiness,
    progress,
    label,
    timeout: options.timeout ?? context.options.timeouts.readyTimeoutMs,
    signal: options.signal,
  });
  const evidence = new FailureEvidence((record) => {
    if (record.weight !== 'definitive') {
      progress(`${label}: ${describeRecord(record)}; not final, waiting on (the wait fails only if it repeats)`);
    }
  });
  const { core } = context.kube;
  const exists: ExistenceCheck = async (kind, namespace, name) => {
    try {
      if (kind === 'Secret') await core.readNamespacedSecret({ name, namespace });
      else await core.readNamespacedConfigMap({ name, namespace });
      return true;
    } catch (error) {
      if (apiStatus(error) === 404) return false;
      throw error;
    }
  };
  const result = await waitFor(
    objects,
    recordingTransitions(readinessCondition(new FailFast(evidence, { exists }), custom), options.label),
    {
      ...options,
      context,
      related: [...readinessRelatedKinds, ...(options.related ?? [])],
    },
  );
  // the wait turned ready: a reason held back while other workloads started (a crash loop) did not end it
  for (const record of evidence.records) if (record.outcome === 'ended the wait') record.outcome = 'cleared';
  const reasonsSeen = evidence.records;
  if (reasonsSeen.length > 0) {
    progress(
      `${label}: ready after ${Math.round(result.elapsedMs)} ms, past ${reasonsSeen.length} reason(s) that were not final: ${reasonsSeen
        .map((record) => describeRecord(record))
        .join('; ')}`,
    );
  }
  return { ...result, reasonsSeen };
}

const one =
  (kind: string) =>
  (name: string, namespace: string, options: ReadyWaitOptions = {}): Promise<ReadyResult> =>
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
