import type { KubernetesObject } from '@kubernetes/client-node';
import { HeldFailures } from './held-failures.ts';
import { describeRef, knownKind, type ObjectRef, refKey } from './object-ref.ts';
import { everyFewSeconds, type ProgressSink, stderrProgress } from './progress.ts';
import { ResourceWatch, type WatchEvent } from './resource-watch.ts';
import { type RunContext, runContext } from './run-context.ts';
import { isTransientApiError } from './transient-error.ts';
import { type WaitOptions, WaitTimeoutError } from './wait-until.ts';

/** What a condition says about one object right now. */
export interface Verdict {
  readonly ready: boolean;
  /** What is still missing, for progress lines and timeout messages ("1/2 replicas available"). */
  readonly waitingFor?: string;
  /** Set when the object can never become ready (a fail-fast reason): the wait rejects with it at once. */
  readonly failure?: Error;
  /**
   * Kinds of other waited-for objects whose readiness may still cure `failure` (a container that crashes until the
   * database of its release answers): while one of them is pending without a failure of its own, the failure
   * does not end the wait.
   */
  readonly failureCurableBy?: readonly string[];
  /** How often the failure has happened so far (a container's restarts): a held failure that grows ends the wait. */
  readonly failureCount?: number;
}

/** Read access to the watched objects of the namespaces a wait looks at (a cache kept current by watches). */
export interface ClusterView {
  get<T extends KubernetesObject = KubernetesObject>(kind: string, name: string, namespace?: string): T | undefined;
  list<T extends KubernetesObject = KubernetesObject>(kind: string, namespace?: string): T[];
  /** Milliseconds since the wait started. */
  readonly elapsedMs: number;
}

/** `object` is undefined while the object does not exist (or its kind is not watched). */
export type Condition = (object: KubernetesObject | undefined, ref: ObjectRef, view: ClusterView) => Verdict;

export interface WaitForOptions extends WaitOptions {
  /** Further kinds to watch in the objects' namespaces (e.g. Pod and Event to find fail-fast reasons). */
  readonly related?: readonly string[];
  /** Names the whole wait in progress lines ("release web-1a2b"). */
  readonly label?: string;
  readonly progress?: ProgressSink;
  readonly progressIntervalMs?: number;
  /** Called once per object, when it is first seen ready (performance.now() of the event that made it so). */
  readonly onReady?: (ref: ObjectRef, at: number) => void;
  /** The run's options and clients; default: runContext() (the run's, from the environment). */
  readonly context?: RunContext;
}

export interface WaitForResult {
  /** performance.now() of the watch event after which every object was ready. */
  readonly readyAt: number;
  readonly elapsedMs: number;
  /** How many times a watch had to list again: the server ended it with 410 Gone, or it could not be reopened. */
  readonly relists: number;
  /** How many watches the server ended with 410 Gone (their resourceVersion had been compacted away). */
  readonly expiredWatches: number;
}

/**
 * Waits until `condition` holds for every object, on watches (no polling while the watch works). Rejects at once
 * with a verdict's failure, with WaitTimeoutError (listing what is not ready and why) at the timeout, or with the
 * signal's reason. Prints a progress line every few seconds.
 */
export async function waitFor(
  objects: readonly ObjectRef[],
  condition: Condition,
  options: WaitForOptions = {},
): Promise<WaitForResult> {
  const context = options.context ?? runContext();
  const runOptions = context.options;
  const timeout = options.timeout ?? runOptions.timeouts.readyTimeoutMs;
  const clients = context.kube;
  const started = performance.now();
  const label = options.label ?? `${objects.length} object(s)`;
  const watches = new Map<string, ResourceWatch>();
  // a release's cluster-scoped objects (a StorageClass, a ClusterRole) must not widen the namespaced watches to
  // the whole cluster: an identity with rights in its namespace only (the Test stage in a pod) may not list there
  const inNamespaces = [...new Set(objects.map((ref) => ref.namespace).filter((ns) => ns !== undefined))];
  const namespaces = inNamespaces.length > 0 ? inNamespaces : [undefined];
  const kinds = [...new Set([...objects.map((ref) => ref.kind), ...(options.related ?? [])])].filter(knownKind);
  const readySeen = new Set<string>();
  let verdicts: Array<[ObjectRef, Verdict]> = [];

  const view: ClusterView = {
    get: <T extends KubernetesObject>(kind: string, name: string, namespace?: string) =>
      watches.get(`${kind}/${knownKind(kind)?.namespaced ? (namespace ?? '') : ''}`)?.get(name, namespace) as
        | T
        | undefined,
    list: <T extends KubernetesObject>(kind: string, namespace?: string) =>
      (watches.get(`${kind}/${knownKind(kind)?.namespaced ? (namespace ?? '') : ''}`)?.items() ?? []) as T[],
    get elapsedMs() {
      return performance.now() - started;
    },
  };

  return await new Promise<WaitForResult>((resolve, reject) => {
    let settled = false;
    let scheduled = false;
    let lastEventAt = started;
    let listed = false;
    let unreachable: unknown;
    const cleanups: Array<() => void> = [];
    const finish = (error: unknown, result?: WaitForResult) => {
      if (settled) return;
      settled = true;
      for (const cleanup of cleanups) cleanup();
      for (const watch of watches.values()) watch.close();
      if (error) reject(error);
      else resolve(result as WaitForResult);
    };

    const heldFailures = new HeldFailures();
    const evaluate = () => {
      scheduled = false;
      if (settled) return;
      verdicts = objects.map((ref) => {
        const object = knownKind(ref.kind) ? view.get(ref.kind, ref.name, ref.namespace) : undefined;
        let verdict: Verdict;
        try {
          verdict = condition(object, ref, view);
        } catch (error) {
          verdict = { ready: false, waitingFor: `condition failed: ${(error as Error).message}` };
        }
        return [ref, verdict] as [ObjectRef, Verdict];
      });
      for (const [ref, verdict] of verdicts) {
        if (verdict.ready && !readySeen.has(refKey(ref))) {
          readySeen.add(refKey(ref));
          options.onReady?.(ref, lastEventAt);
        }
      }
      const failed = heldFailures.ending(verdicts);
      if (failed) return finish(failed.failure);
      if (verdicts.every(([, verdict]) => verdict.ready)) {
        const all = [...watches.values()];
        finish(undefined, {
          readyAt: lastEventAt,
          elapsedMs: performance.now() - started,
          relists: all.reduce((sum, watch) => sum + watch.relists, 0),
          expiredWatches: all.reduce((sum, watch) => sum + watch.expired, 0),
        });
      }
    };
    const onEvent = (event: WatchEvent<KubernetesObject>) => {
      lastEventAt = event.receivedAt;
      if (listed && !scheduled) {
        scheduled = true;
        queueMicrotask(evaluate);
      }
    };

    const timer = setTimeout(() => {
      const notReady = verdicts.filter(([, verdict]) => !verdict.ready);
      if (!listed && unreachable) {
        return finish(
          new WaitTimeoutError(
            `timed out after ${Math.round(timeout)} ms waiting for ${label}: the API server did not answer (${describeFailure(
              unreachable,
            )})`,
            { hint: 'check that the cluster is reachable (`kubectl get --raw /readyz`)', cause: unreachable },
          ),
        );
      }
      const failure = [...watches.values()].find((watch) => watch.failure)?.failure;
      finish(
        new WaitTimeoutError(
          `timed out after ${Math.round(timeout)} ms waiting for ${label}; not ready:\n${notReady
            .map(([ref, verdict]) => `  - ${describeRef(ref)}: ${verdict.waitingFor ?? 'not ready'}`)
            .join('\n')}${failure ? `\n(the API server did not answer at the end: ${describeFailure(failure)})` : ''}`,
          { hint: 'the objects above say what they lack; `kubectl describe` them or read the saved diagnostics' },
        ),
      );
    }, timeout);
    cleanups.push(() => clearTimeout(timer));
    // time-based conditions (grace periods) need a re-evaluation even when nothing changes
    const tick = setInterval(() => {
      lastEventAt = performance.now();
      evaluate();
    }, 1_000);
    tick.unref();
    cleanups.push(() => clearInterval(tick));
    const progress = everyFewSeconds(
      options.progress ?? stderrProgress,
      options.progressIntervalMs ?? runOptions.timeouts.progressIntervalMs,
      () => {
        const failure = unreachable ?? [...watches.values()].find((watch) => watch.failure)?.failure;
        const silent = failure ? `; the API server does not answer (${describeFailure(failure)}), retrying` : '';
        // nothing to say until the objects were listed, unless the server is away
        if (!listed) return failure ? `waiting for ${label}${silent}` : undefined;
        const notReady = verdicts.filter(([, verdict]) => !verdict.ready);
        return `waiting for ${label}: ${verdicts.length - notReady.length}/${verdicts.length} ready; not ready: ${notReady
          .map(([ref, verdict]) => `${describeRef(ref)} (${verdict.waitingFor ?? 'not ready'})`)
          .join('; ')}${silent}`;
      },
    );
    cleanups.push(() => progress[Symbol.dispose]());
    if (options.signal) {
      const signal = options.signal;
      const onAbort = () => finish(signal.reason ?? new Error('aborted'));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => signal.removeEventListener('abort', onAbort));
    }

    // the first list survives an unreachable API server until the timeout (later drops are the watches' own)
    const start = async (watch: ResourceWatch): Promise<unknown> => {
      for (;;) {
        try {
          return await watch.start();
        } catch (error) {
          if (settled || !isTransientApiError(error)) throw error;
          unreachable = error;
          await new Promise((resolve) => setTimeout(resolve, runOptions.timeouts.pollIntervalMs).unref());
        }
      }
    };
    const starts: Promise<unknown>[] = [];
    for (const kind of kinds) {
      const info = knownKind(kind);
      for (const namespace of info?.namespaced ? namespaces : [undefined]) {
        const watch = new ResourceWatch(clients.config, clients.objects, { kind, namespace }, onEvent, {
          pollIntervalMs: runOptions.timeouts.pollIntervalMs,
        });
        watches.set(`${kind}/${namespace ?? ''}`, watch);
        starts.push(start(watch));
      }
    }
    Promise.all(starts).then(
      () => {
        listed = true;
        unreachable = undefined;
        lastEventAt = performance.now();
        evaluate();
      },
      (error) => finish(error),
    );
  });
}

/** The message of an error and of its cause (undici's "fetch failed" keeps ECONNREFUSED there). */
function describeFailure(error: unknown): string {
  const message = (error as Error)?.message ?? String(error);
  const cause = (error as { cause?: { message?: string } })?.cause?.message;
  return cause && !message.includes(cause) ? `${message}: ${cause}` : message;
}
