import type { NotReadyReason } from './chart-not-ready-error.ts';

/**
 * How much one sighting of a reason weighs:
 * - `definitive`: the cluster's own final verdict; it ends the wait at once;
 * - `repeated`: it may clear at the next retry; it ends the wait only when the cluster's retries report it again
 *   (an event counted twice, a second crash) and it keeps showing for a few seconds;
 * - `transient`: a message known to show for a moment under load and clear at the next retry; it never ends a wait
 *   (the wait's timeout does, if it never clears).
 * Anything not known to be final is `repeated`, so a new transient message fails a wait only if it repeats.
 */
export type Weight = 'definitive' | 'repeated' | 'transient';

/** Reasons that are verdicts in themselves: the kubelet or a controller has already given up or retried. */
const definitiveReasons: ReadonlySet<NotReadyReason> = new Set<NotReadyReason>([
  'ErrImageNeverPull', // pullPolicy Never and the image is not on the node: no retry can fetch it
  'InvalidImageName', // the reference cannot exist
  'CrashLoopBackOff', // the kubelet shows it only after the container crashed twice (restartCount >= 1)
  'BackoffLimitExceeded',
  'DeadlineExceeded',
  'PodFailed', // a terminal phase
  'ProgressDeadlineExceeded',
]);

/** Messages that show for a moment under load and clear at the next retry. */
export const transientMessages: readonly RegExp[] = [
  /failed to sync (secret|configmap) cache/i, // the kubelet's informer not yet synced under load
  /timed out waiting for the condition/i,
  /no relationship found between node/i, // the node authorizer not yet knowing a new pod's objects
  /node\.kubernetes\.io\/(not-ready|unreachable)/, // a node taint set while a loaded node misses a heartbeat
  /context deadline exceeded|i\/o timeout|TLS handshake timeout|connection reset by peer|too many requests|503 Service Unavailable/i,
];

/**
 * An image pull the registry or the runtime refused for good: no such image, tag, repository or registry host; or
 * a runtime that pulls through the discard port on purpose (the embedded cluster's containerd pulls nothing).
 */
const imageRefused = [
  /not found|manifest unknown|name unknown|repository does not exist|pull access denied|denied|unauthorized|authentication required|no such host|invalid reference format/i,
  /proxyconnect tcp: dial tcp (127\.0\.0\.1|\[::1\]):9: connect: connection refused/,
];

export function weigh(reason: NotReadyReason, message: string): Weight {
  if (definitiveReasons.has(reason)) return 'definitive';
  if (transientMessages.some((pattern) => pattern.test(message))) return 'transient';
  if ((reason === 'ErrImagePull' || reason === 'ImagePullBackOff') && imageRefused.some((p) => p.test(message))) {
    return 'definitive';
  }
  return 'repeated';
}

/** How long a `repeated` reason must keep showing before it ends a wait ("a few seconds"). */
export const defaultHoldMs = 5_000;

/** Reasons that alternate while the same failure repeats: one sighting, one hold. */
const sameSighting: Partial<Record<NotReadyReason, NotReadyReason>> = { ImagePullBackOff: 'ErrImagePull' };

/** One reason shown by one object at one moment. */
export interface Sighting {
  /** The object (and container) showing it, e.g. "Pod ci/web-1 container app". */
  readonly where: string;
  /** The waited-for object it is reported against ("Deployment ci/web"), for progress lines. */
  readonly object?: string | undefined;
  readonly reason: NotReadyReason;
  /** The cluster's own message, weighed against the patterns above. */
  readonly message: string;
  /**
   * How many times the cluster has reported it so far (its event's count, the crashes). Undefined for a standing
   * condition that a controller re-evaluates all the time (Unschedulable, a claim nothing can bind): then showing
   * for the whole hold is the evidence.
   */
  readonly reports?: number | undefined;
  /** Default defaultHoldMs. */
  readonly holdMs?: number | undefined;
  /**
   * Our own look at what the message names (a ConfigMap or Secret "not found", or what a container needs while the
   * kubelet's cache is not synced), started a hold after the first report, found it still missing: as good as the
   * cluster reporting it again for the whole hold.
   */
  readonly confirmed?: boolean | undefined;
}

/** What a wait saw of one reason, for progress lines, timeouts and the result of a wait that turned ready. */
export interface ReasonRecord {
  readonly where: string;
  readonly object: string | undefined;
  /** The object whose looks show or clear it ("Pod ci/web-1"). */
  readonly scope: string;
  readonly reason: NotReadyReason;
  message: string;
  readonly weight: Weight;
  /** performance.now() of the first and the latest sighting. */
  readonly firstSeenAt: number;
  lastSeenAt: number;
  reports: number | undefined;
  /** `ended the wait`, `cleared` (the object moved on) or `showing` (still shown when the wait ended). */
  outcome: 'ended the wait' | 'cleared' | 'showing';
}

/**
 * Keeps the evidence for each reason seen during one wait and decides when it is enough: a definitive reason at
 * once; a repeated one when reported at least twice and shown for its whole hold; a transient one never.
 */
export class FailureEvidence {
  readonly #open = new Map<string, ReasonRecord>();
  readonly #records: ReasonRecord[] = [];
  readonly #onNew: ((record: ReasonRecord) => void) | undefined;

  constructor(onNew?: (record: ReasonRecord) => void) {
    this.#onNew = onNew;
  }

  /** Every reason seen so far, oldest first. */
  get records(): readonly ReasonRecord[] {
    return this.#records;
  }

  /**
   * One look at `scope` (an object: "Pod ci/web-1"): records each sighting (each `where` starts with `scope`), clears
   * the reasons of `scope` that it no longer shows, and returns the first sighting whose evidence is now enough to
   * end the wait.
   */
  look<T extends Sighting>(scope: string, sightings: readonly T[], now = performance.now()): T | undefined {
    const shown = new Set<string>();
    let ending: T | undefined;
    for (const sighting of sightings) {
      const { key, enough } = this.#judge(scope, sighting, now);
      shown.add(key);
      if (enough && !ending) ending = sighting;
    }
    for (const [key, record] of this.#open) {
      if (record.scope !== scope || shown.has(key)) continue;
      this.#open.delete(key);
      if (record.outcome === 'showing') record.outcome = 'cleared';
    }
    return ending;
  }

  #judge(scope: string, sighting: Sighting, now: number): { key: string; enough: boolean } {
    const weight = weigh(sighting.reason, sighting.message);
    // a change of weight (a transient message turning into a "not found") starts a new sighting and a new hold
    const key = `${scope}\u0000${sighting.where}\u0000${sameSighting[sighting.reason] ?? sighting.reason}\u0000${weight}`;
    let record = this.#open.get(key);
    if (!record) {
      record = {
        where: sighting.where,
        object: sighting.object,
        scope,
        reason: sighting.reason,
        message: sighting.message,
        weight,
        firstSeenAt: now,
        lastSeenAt: now,
        reports: sighting.reports,
        outcome: 'showing',
      };
      this.#open.set(key, record);
      this.#records.push(record);
      this.#onNew?.(record);
    }
    record.lastSeenAt = now;
    record.message = sighting.message;
    if (sighting.reports !== undefined) record.reports = Math.max(record.reports ?? 0, sighting.reports);
    // a confirmed sighting has had its hold: our own look starts only a hold after the first report
    const enough =
      weight === 'definitive' ||
      (weight === 'repeated' &&
        (sighting.confirmed === true ||
          (now - record.firstSeenAt >= (sighting.holdMs ?? defaultHoldMs) &&
            (record.reports === undefined || record.reports >= 2))));
    if (enough) record.outcome = 'ended the wait';
    return { key, enough };
  }

  /** The reasons still showing against `object` that have not (yet) ended the wait, for progress lines. */
  pending(object: string): ReasonRecord[] {
    return [...this.#open.values()].filter((record) => record.object === object && record.outcome === 'showing');
  }
}

/** "Pod ci/db-0 container db: CreateContainerConfigError (failed to sync secret cache: ...), transient, 2 reports in 3.1 s". */
export function describeRecord(record: ReasonRecord, now = performance.now()): string {
  const seconds = ((Math.max(record.lastSeenAt, record.outcome === 'showing' ? now : 0) - record.firstSeenAt) / 1000)
    .toFixed(1)
    .replace(/\.0$/, '');
  const reports = record.reports === undefined ? '' : `${record.reports} report${record.reports === 1 ? '' : 's'} `;
  const message = record.message.length > 160 ? `${record.message.slice(0, 157)}...` : record.message;
  return `${record.where}: ${record.reason}${message ? ` (${message})` : ''}, ${record.weight}, ${reports}over ${seconds} s`;
}
