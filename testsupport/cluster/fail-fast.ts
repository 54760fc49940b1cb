import type {
  CoreV1Event,
  V1Job,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1StorageClass,
} from '@kubernetes/client-node';
import type { ObjectRef } from '../kube/object-ref.ts';
import type { ClusterView } from '../kube/wait-for.ts';
import { ChartNotReadyError, type NotReadyReason } from './chart-not-ready-error.ts';

/** Container waiting reasons that never clear by themselves. */
const fatalWaiting = new Set<string>([
  'ImagePullBackOff',
  'ErrImagePull',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

/** How long a reason that may still clear (the scheduler retries, a mount is retried) must persist. */
const graceMs = { Unschedulable: 5_000, FailedMount: 5_000, ClaimCannotBind: 3_000 } as const;

/**
 * Finds the reasons an object can never become ready, from its pods' container states, pod conditions, events,
 * Job conditions and claims. Keeps first-seen times so reasons that may clear get a short grace period.
 */
export class FailFast {
  #firstSeen = new Map<string, number>();

  /** The failure shown by `pod`, reported against `object` (the workload that owns it). */
  podFailure(pod: V1Pod, object: ObjectRef, view: ClusterView): ChartNotReadyError | undefined {
    const source: ObjectRef = { kind: 'Pod', name: pod.metadata?.name ?? '?', namespace: pod.metadata?.namespace };
    if (pod.metadata?.deletionTimestamp) return undefined;
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    for (const status of statuses) {
      const waiting = status.state?.waiting;
      if (waiting?.reason && fatalWaiting.has(waiting.reason)) {
        const terminated = status.lastState?.terminated;
        const last = terminated
          ? `; last exit code ${terminated.exitCode}${terminated.reason ? ` (${terminated.reason})` : ''}`
          : '';
        return new ChartNotReadyError({
          object,
          source,
          container: status.name,
          image: status.image,
          reason: waiting.reason as NotReadyReason,
          message: `${waiting.message ?? ''}${last}`,
          inspect:
            waiting.reason === 'CrashLoopBackOff'
              ? `kubectl logs -n ${source.namespace} ${source.name} -c ${status.name} --previous`
              : `kubectl describe pod -n ${source.namespace} ${source.name}`,
        });
      }
    }
    if (pod.status?.phase === 'Failed' && pod.spec?.restartPolicy !== 'Always') {
      const terminated = statuses.find((status) => status.state?.terminated?.exitCode)?.state?.terminated;
      return new ChartNotReadyError({
        object,
        source,
        reason: 'PodFailed',
        message: `${pod.status.reason ?? ''} ${pod.status.message ?? ''} ${
          terminated ? `exit code ${terminated.exitCode} (${terminated.reason ?? ''})` : ''
        }`.trim(),
        inspect: `kubectl logs -n ${source.namespace} ${source.name} --all-containers`,
      });
    }
    const scheduled = pod.status?.conditions?.find((condition) => condition.type === 'PodScheduled');
    if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
      const message = scheduled.message ?? '';
      if (/unbound (immediate )?PersistentVolumeClaims|persistentvolumeclaim/i.test(message)) {
        for (const volume of pod.spec?.volumes ?? []) {
          const claimName = volume.persistentVolumeClaim?.claimName;
          const claim = claimName
            ? view.get<V1PersistentVolumeClaim>('PersistentVolumeClaim', claimName, source.namespace)
            : undefined;
          const failure = claim ? this.claimFailure(claim, object, view) : undefined;
          if (failure) return failure;
        }
      } else if (this.#persisted(`unschedulable/${source.namespace}/${source.name}`, graceMs.Unschedulable)) {
        return new ChartNotReadyError({ object, source, reason: 'Unschedulable', message });
      }
    } else {
      this.#firstSeen.delete(`unschedulable/${source.namespace}/${source.name}`);
    }
    if (pod.status?.phase === 'Pending') {
      // A mount that cannot work fails again at each of the kubelet's retries (0.5 s, 1 s, 2 s, ...); a one-off
      // failure, or the node authorizer not yet knowing the pod's claim, clears at the next one.
      const mountEvent = view
        .list<CoreV1Event>('Event', source.namespace)
        .find(
          (event) =>
            event.reason === 'FailedMount' &&
            event.involvedObject.kind === 'Pod' &&
            event.involvedObject.name === source.name &&
            event.involvedObject.uid === pod.metadata?.uid &&
            (event.series?.count ?? event.count ?? 1) >= 2 &&
            !/no relationship found between node/.test(event.message ?? ''),
        );
      if (mountEvent && this.#persisted(`mount/${source.namespace}/${source.name}`, graceMs.FailedMount)) {
        return new ChartNotReadyError({
          object,
          source,
          reason: 'FailedMount',
          message: `${mountEvent.message ?? ''}${volumeSource(pod, mountEvent.message ?? '')}`,
        });
      }
    }
    return undefined;
  }

  jobFailure(job: V1Job, object: ObjectRef): ChartNotReadyError | undefined {
    const failed = job.status?.conditions?.find(
      (condition) => condition.type === 'Failed' && condition.status === 'True',
    );
    if (!failed) return undefined;
    return new ChartNotReadyError({
      object,
      reason: failed.reason === 'DeadlineExceeded' ? 'DeadlineExceeded' : 'BackoffLimitExceeded',
      message: failed.message ?? failed.reason ?? '',
      inspect: `kubectl logs -n ${object.namespace} job/${object.name} --all-containers`,
    });
  }

  /**
   * A Pending claim fails when nothing can ever bind it: its StorageClass does not exist, or it has no class
   * (or one without a provisioner) and no Available PersistentVolume matches; or provisioning failed.
   */
  claimFailure(claim: V1PersistentVolumeClaim, object: ObjectRef, view: ClusterView): ChartNotReadyError | undefined {
    const namespace = claim.metadata?.namespace;
    const name = claim.metadata?.name ?? '?';
    const key = `claim/${namespace}/${name}`;
    if (claim.status?.phase !== 'Pending' || claim.spec?.volumeName) {
      this.#firstSeen.delete(key);
      return undefined;
    }
    const source: ObjectRef = { kind: 'PersistentVolumeClaim', name, namespace };
    const provisioningFailed = view
      .list<CoreV1Event>('Event', namespace)
      .find(
        (event) =>
          event.reason === 'ProvisioningFailed' &&
          event.involvedObject.kind === 'PersistentVolumeClaim' &&
          event.involvedObject.name === name,
      );
    const classes = view.list<V1StorageClass>('StorageClass');
    const className =
      claim.spec?.storageClassName ??
      classes.find((sc) => sc.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true')
        ?.metadata?.name ??
      '';
    const storageClass = classes.find((sc) => sc.metadata?.name === className);
    if (storageClass && storageClass.provisioner !== 'kubernetes.io/no-provisioner') {
      if (provisioningFailed && this.#persisted(key, graceMs.ClaimCannotBind)) {
        return new ChartNotReadyError({
          object,
          source,
          reason: 'ProvisioningFailed',
          message: provisioningFailed.message ?? '',
        });
      }
      return undefined;
    }
    if (
      storageClass?.volumeBindingMode === 'WaitForFirstConsumer' &&
      !claim.metadata?.annotations?.['volume.kubernetes.io/selected-node']
    ) {
      return undefined;
    }
    const wanted = quantityBytes(claim.spec?.resources?.requests?.storage ?? '0');
    const modes = claim.spec?.accessModes ?? [];
    const candidate = view
      .list<V1PersistentVolume>('PersistentVolume')
      .find(
        (pv) =>
          (pv.status?.phase === 'Available' ||
            (pv.spec?.claimRef?.name === name && pv.spec.claimRef.namespace === namespace)) &&
          (pv.spec?.storageClassName ?? '') === className &&
          quantityBytes(pv.spec?.capacity?.storage ?? '0') >= wanted &&
          modes.every((mode) => pv.spec?.accessModes?.includes(mode)),
      );
    if (candidate) {
      this.#firstSeen.delete(key);
      return undefined;
    }
    if (!this.#persisted(key, graceMs.ClaimCannotBind)) return undefined;
    const why =
      claim.spec?.storageClassName && !storageClass
        ? `StorageClass "${claim.spec.storageClassName}" does not exist and no Available PersistentVolume has that class`
        : `no Available PersistentVolume with class "${className}", ${claim.spec?.resources?.requests?.storage ?? '?'} and ${modes.join(',') || 'any mode'}, and no StorageClass provisions one`;
    return new ChartNotReadyError({ object, source, reason: 'ClaimCannotBind', message: why });
  }

  #persisted(key: string, ms: number): boolean {
    const now = performance.now();
    const first = this.#firstSeen.get(key);
    if (first === undefined) {
      this.#firstSeen.set(key, now);
      return ms <= 0;
    }
    return now - first >= ms;
  }
}

/** "; volume "x" is ConfigMap "y"": what the volume a mount message names refers to (kubelet messages omit it). */
function volumeSource(pod: V1Pod, message: string): string {
  const name = /volume "([^"]+)"/.exec(message)?.[1];
  const volume = pod.spec?.volumes?.find((v) => v.name === name);
  if (!volume) return '';
  const source = volume.configMap
    ? `ConfigMap "${volume.configMap.name}"`
    : volume.secret
      ? `Secret "${volume.secret.secretName}"`
      : volume.persistentVolumeClaim
        ? `PersistentVolumeClaim "${volume.persistentVolumeClaim.claimName}"`
        : Object.keys(volume).find((key) => key !== 'name');
  return source ? `; volume "${name}" is ${source}` : '';
}

const units: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  m: 1e-3,
};

/** Bytes of a Kubernetes quantity such as "1Gi", "500M", "1.5G". */
export function quantityBytes(quantity: string): number {
  const match = /^([0-9.]+)([a-zA-Z]*)$/.exec(quantity.trim());
  if (!match) return Number.NaN;
  return Number(match[1]) * (units[match[2] ?? ''] ?? Number.NaN);
}
