import type { V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import type { RunOptions } from '../config/options.ts';
import { kubeClients } from '../kube/kube-clients.ts';
import { waitUntil } from '../kube/wait-until.ts';
import { record } from '../record/recorder.ts';

interface Target {
  readonly namespace: string;
  readonly releaseName: string;
  readonly options: RunOptions;
  /** Names of the release's StatefulSets (from its manifest). */
  readonly statefulSets: readonly string[];
}

export interface StuckPod {
  readonly pod: string;
  readonly statefulSet: string;
  /** The controller revision the pod was made from, which the set no longer wants. */
  readonly revision: string;
  /** Why it is not Ready (a waiting reason, or the Ready condition). */
  readonly reason: string;
}

/**
 * What an operator does after rolling a StatefulSet back from a broken revision: Kubernetes does not replace a pod
 * that is stuck (not Ready) on the old update revision (the "forced rollback" limitation of StatefulSets), so this
 * deletes each such pod and waits until it is gone; the controller then makes it again from the set's current
 * revision. Pods that are Ready are left alone (the controller's rolling update replaces them).
 */
export async function replaceStuckStatefulSetPods(
  target: Target,
  { timeout, signal }: { timeout: number; signal?: AbortSignal },
): Promise<StuckPod[]> {
  const { apps, core } = kubeClients(target.options);
  const namespace = target.namespace;
  const stuck: (StuckPod & { uid: string })[] = [];
  for (const name of target.statefulSets) {
    let set: V1StatefulSet | undefined;
    // the update revision is the controller's answer to the rolled-back spec: wait until it has seen it
    await waitUntil(
      async () => {
        set = await apps.readNamespacedStatefulSet({ name, namespace });
        return (set.status?.observedGeneration ?? 0) >= (set.metadata?.generation ?? 0);
      },
      { timeout, signal, interval: 250, description: `StatefulSet ${name} to observe the rollback` },
    );
    const wanted = set?.status?.updateRevision;
    const uid = set?.metadata?.uid;
    if (!wanted || !uid) continue;
    const pods = (await core.listNamespacedPod({ namespace })).items.filter((pod) =>
      pod.metadata?.ownerReferences?.some((owner) => owner.uid === uid),
    );
    for (const pod of pods) {
      const revision = pod.metadata?.labels?.['controller-revision-hash'];
      if (!revision || revision === wanted || isReady(pod) || pod.metadata?.deletionTimestamp) continue;
      stuck.push({
        pod: pod.metadata?.name ?? '',
        uid: pod.metadata?.uid ?? '',
        statefulSet: name,
        revision,
        reason: notReadyReason(pod),
      });
    }
  }
  for (const pod of stuck) {
    await core.deleteNamespacedPod({ name: pod.pod, namespace });
    record({
      kind: 'step',
      lane: `release ${target.releaseName}`,
      label: `rollback: deleted pod ${pod.pod}, stuck on revision ${pod.revision} (${pod.reason})`,
      outcome: 'warning',
      namespace,
    });
  }
  await waitUntil(
    async () => {
      for (const pod of stuck) {
        const now = await core.readNamespacedPod({ name: pod.pod, namespace }).catch(() => undefined);
        if (now?.metadata?.uid === pod.uid) return false;
      }
      return true;
    },
    { timeout, signal, interval: 250, description: `stuck pods ${stuck.map((p) => p.pod).join(', ')} to be deleted` },
  );
  return stuck.map(({ uid: _uid, ...pod }) => pod);
}

function isReady(pod: V1Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function notReadyReason(pod: V1Pod): string {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const waiting = statuses.find((c) => c.state?.waiting?.reason)?.state?.waiting?.reason;
  if (waiting) return waiting;
  const ready = (pod.status?.conditions ?? []).find((c) => c.type === 'Ready');
  return `Ready=${ready?.status ?? 'absent'}${ready?.reason ? ` (${ready.reason})` : ''}`;
}
