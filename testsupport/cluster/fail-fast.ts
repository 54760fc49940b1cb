import type {
  CoreV1Event,
  V1Container,
  V1ContainerStatus,
  V1Job,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1StorageClass,
} from '@kubernetes/client-node';
import { describeRef, type ObjectRef } from '../kube/object-ref.ts';
import type { ClusterView } from '../kube/wait-for.ts';
import { ChartNotReadyError, type NotReadyReason } from './chart-not-ready-error.ts';
import {
  defaultHoldMs,
  describeRecord,
  FailureEvidence,
  type ReasonRecord,
  type Sighting,
} from './failure-evidence.ts';

/** Container waiting reasons that end a wait (each by the evidence its weight needs, see failure-evidence.ts). */
const failingWaiting = new Set<string>([
  'ImagePullBackOff',
  'ErrImagePull',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

/**
 * Crashes a container may go through while another workload of its release is still starting (the kubelet's
 * back-off makes the fifth about 2.5 minutes after the first): a dependent service that exits until its database
 * answers is start order, not a verdict. A crash loop with no other workload pending ends the wait at once.
 */
const crashesWhileOthersStart = 5;

/** A Secret or ConfigMap a pod needs, by name. */
interface ConfigSource {
  readonly kind: 'ConfigMap' | 'Secret';
  readonly name: string;
}

/** Whether a namespaced object exists (a GET answered 404 means false); rejects when that cannot be known. */
export type ExistenceCheck = (kind: ConfigSource['kind'], namespace: string, name: string) => Promise<boolean>;

/** A sighting with the error it becomes when its evidence is enough. */
interface Candidate extends Sighting {
  readonly error: ChartNotReadyError;
}

/**
 * Finds why an object cannot become ready, from its pods' container states, pod conditions, events, Job
 * conditions and claims, and ends a wait only on a verdict: a definitive reason at once, any other one when the
 * cluster's own retries repeat it for a few seconds, a known transient message never (see failure-evidence.ts).
 * One FailFast serves one wait: it keeps what it saw, for progress lines and for the result of a wait that turned
 * ready anyway.
 */
export class FailFast {
  readonly #evidence: FailureEvidence;
  readonly #exists: ExistenceCheck | undefined;
  readonly #missing = new Map<string, { since: number; checking: boolean; missingAt?: number }>();

  /**
   * `exists` lets a "ConfigMap/Secret not found" be confirmed by looking at the object itself once the hold is
   * over, rather than waiting for the kubelet's next retry (10-15 s later), and lets a kubelet whose cache is not
   * synced be answered at all; without it only the kubelet's own reports count.
   */
  constructor(evidence = new FailureEvidence(), { exists }: { exists?: ExistenceCheck } = {}) {
    this.#evidence = evidence;
    this.#exists = exists;
  }

  /** Every reason seen so far, with what became of it. */
  get reasonsSeen(): readonly ReasonRecord[] {
    return this.#evidence.records;
  }

  /** "; not final yet: ..." for a waited-for object whose pods or claims show reasons still short of a verdict. */
  pendingNote(object: ObjectRef): string {
    const pending = this.#evidence.pending(describeRef(object));
    return pending.length > 0 ? `; not final yet: ${pending.map((record) => describeRecord(record)).join('; ')}` : '';
  }

  /**
   * The failure shown by `pod`, reported against `object` (the workload that owns it), once its evidence is enough.
   * Reasons in `ignore` are not looked at (a Job retries its failed pods itself).
   */
  podFailure(
    pod: V1Pod,
    object: ObjectRef,
    view: ClusterView,
    ignore: readonly NotReadyReason[] = [],
  ): ChartNotReadyError | undefined {
    const source: ObjectRef = { kind: 'Pod', name: pod.metadata?.name ?? '?', namespace: pod.metadata?.namespace };
    const scope = `${describeRef(source)} ${pod.metadata?.uid ?? ''}`;
    if (pod.metadata?.deletionTimestamp) {
      this.#evidence.look(scope, []); // a pod on its way out shows nothing that counts
      return undefined;
    }
    const candidates = this.#podCandidates(pod, source, object, view).filter(
      (candidate) => !ignore.includes(candidate.reason),
    );
    return this.#evidence.look(scope, candidates)?.error ?? this.#claimsOfUnschedulable(pod, source, object, view);
  }

  /** A pod the scheduler holds back for its claims is judged by the claims (they keep their own evidence). */
  #claimsOfUnschedulable(
    pod: V1Pod,
    source: ObjectRef,
    object: ObjectRef,
    view: ClusterView,
  ): ChartNotReadyError | undefined {
    const scheduled = pod.status?.conditions?.find((condition) => condition.type === 'PodScheduled');
    if (scheduled?.status !== 'False' || scheduled.reason !== 'Unschedulable') return undefined;
    if (!claimsPending.test(scheduled.message ?? '')) return undefined;
    for (const volume of pod.spec?.volumes ?? []) {
      const claimName = volume.persistentVolumeClaim?.claimName;
      const claim = claimName
        ? view.get<V1PersistentVolumeClaim>('PersistentVolumeClaim', claimName, source.namespace)
        : undefined;
      const failure = claim ? this.claimFailure(claim, object, view) : undefined;
      if (failure) return failure;
    }
    return undefined;
  }

  #podCandidates(pod: V1Pod, source: ObjectRef, object: ObjectRef, view: ClusterView): Candidate[] {
    const events = view
      .list<CoreV1Event>('Event', source.namespace)
      .filter((event) => event.involvedObject.kind === 'Pod' && event.involvedObject.uid === pod.metadata?.uid);
    const initStatuses = pod.status?.initContainerStatuses ?? [];
    const candidates: Candidate[] = [];
    for (const status of [...initStatuses, ...(pod.status?.containerStatuses ?? [])]) {
      const init = initStatuses.includes(status);
      const spec = (init ? pod.spec?.initContainers : pod.spec?.containers)?.find((c) => c.name === status.name);
      candidates.push(...this.#containerCandidates(status, spec, init, events, source, object));
    }
    return [
      ...candidates,
      ...[podFailedCandidate, unschedulableCandidate, failedMountCandidate].flatMap(
        (candidate) => candidate(pod, events, source, object) ?? [],
      ),
    ];
  }

  /**
   * A container waiting for a reason that ends a wait (ImagePullBackOff, CrashLoopBackOff, ...). A kubelet that could
   * not sync its Secret/ConfigMap cache says nothing of whether the objects exist: our own look at what the
   * container's environment needs decides, so a missing one still fails within the hold (and present ones never).
   */
  #containerCandidates(
    status: V1ContainerStatus,
    spec: V1Container | undefined,
    init: boolean,
    podEvents: readonly CoreV1Event[],
    source: ObjectRef,
    object: ObjectRef,
  ): Candidate[] {
    const waiting = status.state?.waiting;
    if (!waiting?.reason || !failingWaiting.has(waiting.reason)) return [];
    const reason = waiting.reason as NotReadyReason;
    const fieldPath = `spec.${init ? 'initContainers' : 'containers'}{${status.name}}`;
    const events = podEvents.filter((event) => event.involvedObject.fieldPath === fieldPath);
    const { message, reports } = containerReports(reason, waiting.message ?? '', status, events);
    const candidate = (shown: string, confirmed: boolean | undefined): Candidate =>
      this.#containerCandidate(status, source, object, { reason, message: shown, reports, confirmed });
    const namespace = source.namespace;
    const named = /^(configmap|secret) "([^"]+)" not found$/i.exec(message);
    if (named?.[1] && named[2] && namespace) {
      const kind = named[1].toLowerCase() === 'secret' ? 'Secret' : 'ConfigMap';
      return [candidate(message, this.#stillMissing(kind, namespace, named[2]))];
    }
    if (reason !== 'CreateContainerConfigError' || !cacheNotSynced.test(message) || !namespace) {
      return [candidate(message, undefined)];
    }
    const missing = environmentSources(spec).filter(({ kind, name }) => this.#stillMissing(kind, namespace, name));
    return [
      candidate(message, undefined),
      ...missing.map(({ kind, name }) =>
        candidate(
          `${kind.toLowerCase()} "${name}" not found (our own look, while the kubelet's cache was not synced)`,
          true,
        ),
      ),
    ];
  }

  #containerCandidate(
    status: V1ContainerStatus,
    source: ObjectRef,
    object: ObjectRef,
    seen: { reason: NotReadyReason; message: string; reports: number; confirmed: boolean | undefined },
  ): Candidate {
    const { reason, message } = seen;
    const terminated = status.lastState?.terminated;
    const last = terminated
      ? `; last exit code ${terminated.exitCode}${terminated.reason ? ` (${terminated.reason})` : ''}`
      : '';
    return {
      where: `${describeRef(source)} container ${status.name}`,
      object: describeRef(object),
      ...seen,
      error: new ChartNotReadyError({
        object,
        source,
        container: status.name,
        image: status.image,
        reason,
        message: `${message}${last}`,
        inspect:
          reason === 'CrashLoopBackOff'
            ? `kubectl logs -n ${source.namespace} ${source.name} -c ${status.name} --previous`
            : `kubectl describe pod -n ${source.namespace} ${source.name}`,
        mayWaitOnOthers: reason === 'CrashLoopBackOff' && status.restartCount < crashesWhileOthersStart,
        restarts: status.restartCount,
      }),
    };
  }

  /**
   * True once a look at the object, started at least a hold after it was first reported missing, found it missing
   * still. Starts that look (one at a time) when due; the next evaluation sees its answer.
   */
  #stillMissing(kind: ConfigSource['kind'], namespace: string, name: string): boolean {
    if (!this.#exists) return false;
    const key = `${kind}/${namespace}/${name}`;
    const now = performance.now();
    let entry = this.#missing.get(key);
    if (!entry) {
      entry = { since: now, checking: false };
      this.#missing.set(key, entry);
    }
    if (entry.missingAt !== undefined) return true;
    if (!entry.checking && now - entry.since >= defaultHoldMs) {
      const check = entry;
      check.checking = true;
      this.#exists(kind, namespace, name).then(
        (exists) => {
          check.checking = false;
          if (exists)
            check.since = performance.now(); // it is there now: the kubelet's next retry will find it
          else check.missingAt = now;
        },
        () => {
          check.checking = false; // unknown (e.g. RBAC): only the kubelet's retries count
        },
      );
    }
    return false;
  }

  /** A Job's Failed condition is its controller's verdict (its pods were retried up to backoffLimit). */
  jobFailure(job: V1Job, object: ObjectRef): ChartNotReadyError | undefined {
    const failed = job.status?.conditions?.find(
      (condition) => condition.type === 'Failed' && condition.status === 'True',
    );
    const candidates: Candidate[] = [];
    if (failed) {
      const reason = failed.reason === 'DeadlineExceeded' ? 'DeadlineExceeded' : 'BackoffLimitExceeded';
      const message = failed.message ?? failed.reason ?? '';
      candidates.push({
        where: describeRef(object),
        object: describeRef(object),
        reason,
        message,
        error: new ChartNotReadyError({
          object,
          reason,
          message,
          inspect: `kubectl logs -n ${object.namespace} job/${object.name} --all-containers`,
        }),
      });
    }
    return this.#evidence.look(`${describeRef(object)} ${job.metadata?.uid ?? ''}`, candidates)?.error;
  }

  /** A Deployment's ProgressDeadlineExceeded is its controller's verdict. */
  progressFailure(message: string, object: ObjectRef): ChartNotReadyError | undefined {
    const error = new ChartNotReadyError({ object, reason: 'ProgressDeadlineExceeded', message });
    const where = describeRef(object);
    return this.#evidence.look(where, [{ where, object: where, reason: error.reason, message, error }])?.error;
  }

  /**
   * A Pending claim fails when nothing can ever bind it: its StorageClass does not exist, or it has no class
   * (or one without a provisioner) and no Available PersistentVolume matches (a standing state: it must last
   * 3 s); or provisioning failed, repeatedly.
   */
  claimFailure(claim: V1PersistentVolumeClaim, object: ObjectRef, view: ClusterView): ChartNotReadyError | undefined {
    const namespace = claim.metadata?.namespace;
    const name = claim.metadata?.name ?? '?';
    const source: ObjectRef = { kind: 'PersistentVolumeClaim', name, namespace };
    const candidate =
      claim.status?.phase === 'Pending' && !claim.spec?.volumeName
        ? claimCandidate(claim, { object, source }, view)
        : undefined;
    return this.#evidence.look(`${describeRef(source)} ${claim.metadata?.uid ?? ''}`, candidate ? [candidate] : [])
      ?.error;
  }
}

/** Why a Pending claim can never bind (no provisioner and no matching volume), or why provisioning failed. */
function claimCandidate(
  claim: V1PersistentVolumeClaim,
  { object, source }: { object: ObjectRef; source: ObjectRef },
  view: ClusterView,
): Candidate | undefined {
  const where = describeRef(source);
  const owner = describeRef(object);
  const classes = view.list<V1StorageClass>('StorageClass');
  const className =
    claim.spec?.storageClassName ??
    classes.find((sc) => sc.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true')?.metadata
      ?.name ??
    '';
  const storageClass = classes.find((sc) => sc.metadata?.name === className);
  if (storageClass && storageClass.provisioner !== 'kubernetes.io/no-provisioner') {
    const provisioningFailed = view
      .list<CoreV1Event>('Event', source.namespace)
      .filter(
        (event) =>
          event.reason === 'ProvisioningFailed' &&
          event.involvedObject.kind === 'PersistentVolumeClaim' &&
          event.involvedObject.uid === claim.metadata?.uid,
      )
      .sort((a, b) => eventTime(b) - eventTime(a))[0];
    if (!provisioningFailed) return undefined;
    const message = provisioningFailed.message ?? '';
    return {
      where,
      object: owner,
      reason: 'ProvisioningFailed',
      message,
      reports: eventCount(provisioningFailed),
      holdMs: claimHoldMs,
      error: new ChartNotReadyError({ object, source, reason: 'ProvisioningFailed', message }),
    };
  }
  if (
    storageClass?.volumeBindingMode === 'WaitForFirstConsumer' &&
    !claim.metadata?.annotations?.['volume.kubernetes.io/selected-node']
  ) {
    return undefined;
  }
  if (bindableVolume(claim, source, className, view)) return undefined;
  const modes = claim.spec?.accessModes ?? [];
  const message =
    claim.spec?.storageClassName && !storageClass
      ? `StorageClass "${claim.spec.storageClassName}" does not exist and no Available PersistentVolume has that class`
      : `no Available PersistentVolume with class "${className}", ${claim.spec?.resources?.requests?.storage ?? '?'} and ${modes.join(',') || 'any mode'}, and no StorageClass provisions one`;
  return {
    where,
    object: owner,
    reason: 'ClaimCannotBind',
    message,
    holdMs: claimHoldMs,
    error: new ChartNotReadyError({ object, source, reason: 'ClaimCannotBind', message }),
  };
}

/** An Available volume (or one reserved for the claim) of its class, size and access modes. */
function bindableVolume(
  claim: V1PersistentVolumeClaim,
  source: ObjectRef,
  className: string,
  view: ClusterView,
): V1PersistentVolume | undefined {
  const wanted = quantityBytes(claim.spec?.resources?.requests?.storage ?? '0');
  const modes = claim.spec?.accessModes ?? [];
  return view
    .list<V1PersistentVolume>('PersistentVolume')
    .find(
      (pv) =>
        (pv.status?.phase === 'Available' ||
          (pv.spec?.claimRef?.name === source.name && pv.spec.claimRef.namespace === source.namespace)) &&
        (pv.spec?.storageClassName ?? '') === className &&
        quantityBytes(pv.spec?.capacity?.storage ?? '0') >= wanted &&
        modes.every((mode) => pv.spec?.accessModes?.includes(mode)),
    );
}

/**
 * How often the cluster reported a container's failure, and the message to show: a crash loop counts its restarts,
 * a pull its "Failed to pull image" events (whose latest message says what the registry answered), anything else
 * the kubelet's "Failed" events "Error: <the waiting message>".
 */
function containerReports(
  reason: NotReadyReason,
  waitingMessage: string,
  status: V1ContainerStatus,
  events: readonly CoreV1Event[],
): { message: string; reports: number } {
  if (reason === 'CrashLoopBackOff') return { message: waitingMessage, reports: status.restartCount + 1 };
  if (reason === 'ErrImagePull' || reason === 'ImagePullBackOff') {
    // the back-off's own message says nothing: the pull failures' events say what the registry answered
    const pulls = events.filter((event) => event.message?.startsWith('Failed to pull image'));
    const latest = pulls.sort((a, b) => eventTime(b) - eventTime(a))[0];
    const message = reason === 'ImagePullBackOff' && latest?.message ? latest.message : waitingMessage;
    return { message, reports: pulls.reduce((sum, event) => sum + eventCount(event), 0) || 1 };
  }
  const reports =
    Math.max(
      0,
      ...events
        .filter((event) => event.reason === 'Failed' && event.message?.includes(waitingMessage || reason))
        .map(eventCount),
    ) || 1;
  return { message: waitingMessage, reports };
}

type PodCandidate = (
  pod: V1Pod,
  events: readonly CoreV1Event[],
  source: ObjectRef,
  object: ObjectRef,
) => Candidate | undefined;

/** A pod that will not be restarted ended in phase Failed. */
const podFailedCandidate: PodCandidate = (pod, _events, source, object) => {
  if (pod.status?.phase !== 'Failed' || pod.spec?.restartPolicy === 'Always') return undefined;
  const statuses = [...(pod.status.initContainerStatuses ?? []), ...(pod.status.containerStatuses ?? [])];
  const terminated = statuses.find((status) => status.state?.terminated?.exitCode)?.state?.terminated;
  const message = `${pod.status.reason ?? ''} ${pod.status.message ?? ''} ${
    terminated ? `exit code ${terminated.exitCode} (${terminated.reason ?? ''})` : ''
  }`.trim();
  return {
    where: describeRef(source),
    object: describeRef(object),
    reason: 'PodFailed',
    message,
    error: new ChartNotReadyError({
      object,
      source,
      reason: 'PodFailed',
      message,
      inspect: `kubectl logs -n ${source.namespace} ${source.name} --all-containers`,
    }),
  };
};

/** The scheduler finds no node (not for its claims: those are judged by the claims). */
const unschedulableCandidate: PodCandidate = (pod, _events, source, object) => {
  const scheduled = pod.status?.conditions?.find((condition) => condition.type === 'PodScheduled');
  if (scheduled?.status !== 'False' || scheduled.reason !== 'Unschedulable') return undefined;
  const message = scheduled.message ?? '';
  if (claimsPending.test(message)) return undefined;
  // the scheduler re-evaluates an unschedulable pod continually: showing for the hold is the evidence
  return {
    where: describeRef(source),
    object: describeRef(object),
    reason: 'Unschedulable',
    message,
    error: new ChartNotReadyError({ object, source, reason: 'Unschedulable', message }),
  };
};

/** A pending pod whose containers were never created, and a mount fails. */
const failedMountCandidate: PodCandidate = (pod, events, source, object) => {
  const created = (pod.status?.containerStatuses ?? []).some(
    (status) => status.state?.running || status.state?.terminated || status.lastState?.terminated,
  );
  if (pod.status?.phase !== 'Pending' || created) return undefined;
  // the kubelet retries a mount at growing intervals (0.5 s, 1 s, 2 s, ...) and counts each failure in the event
  const mountEvent = events
    .filter((event) => event.reason === 'FailedMount')
    .sort((a, b) => eventTime(b) - eventTime(a))[0];
  if (!mountEvent) return undefined;
  const message = mountEvent.message ?? '';
  return {
    where: describeRef(source),
    object: describeRef(object),
    reason: 'FailedMount',
    message,
    reports: eventCount(mountEvent),
    error: new ChartNotReadyError({
      object,
      source,
      reason: 'FailedMount',
      message: `${message}${volumeSource(pod, message)}`,
    }),
  };
};

/** The kubelet's informer not synced yet: it has not looked whether the container's Secrets/ConfigMaps exist. */
const cacheNotSynced = /failed to sync (secret|configmap) cache/i;

/** The Secrets and ConfigMaps a container's environment needs (those not marked optional). */
function environmentSources(container: V1Container | undefined): ConfigSource[] {
  const sources: ConfigSource[] = [];
  const add = (kind: ConfigSource['kind'], ref: { name?: string; optional?: boolean } | undefined) => {
    if (ref?.name && ref.optional !== true && !sources.some((s) => s.kind === kind && s.name === ref.name)) {
      sources.push({ kind, name: ref.name });
    }
  };
  for (const env of container?.env ?? []) {
    add('Secret', env.valueFrom?.secretKeyRef);
    add('ConfigMap', env.valueFrom?.configMapKeyRef);
  }
  for (const from of container?.envFrom ?? []) {
    add('Secret', from.secretRef);
    add('ConfigMap', from.configMapRef);
  }
  return sources;
}

/** The scheduler's message for a pod that waits for its claims to bind. */
const claimsPending = /unbound (immediate )?PersistentVolumeClaims|persistentvolumeclaim/i;

/** A claim's state is re-evaluated by the binder all the time: 3 s of it is enough (a PV made alongside binds sooner). */
const claimHoldMs = 3_000;

/** How many times an event was reported (core/v1 `count`, or events.k8s.io's series). */
function eventCount(event: CoreV1Event): number {
  return event.series?.count ?? event.count ?? 1;
}

function eventTime(event: CoreV1Event): number {
  const time = event.series?.lastObservedTime ?? event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp;
  return time ? new Date(time).getTime() : 0;
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
