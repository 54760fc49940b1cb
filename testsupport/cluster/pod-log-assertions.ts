import type { V1Pod } from '@kubernetes/client-node';
import { currentTest } from '../context/test-context.ts';
import { ChartTestwareError } from '../errors.ts';
import { apiMessage, apiStatus } from '../kube/kube-clients.ts';
import { type RunContext, runContext } from '../kube/run-context.ts';
import { waitUntil } from '../kube/wait-until.ts';

/** eventuallyInPodLogs: no container logged the pattern by the deadline. */
export class PodLogNotFoundError extends ChartTestwareError {}
/** neverInPodLogs: a container logged the pattern (the message shows where and when). */
export class UnexpectedPodLogError extends ChartTestwareError {}

/** Whose logs are read: pods of `namespace` matching any of `selectors` (label selectors). */
export interface PodLogScope {
  readonly namespace: string;
  readonly selectors: readonly string[];
  /** The run's options and clients; default: runContext() (the run's, from the environment). */
  readonly context?: RunContext;
}

export interface PodLogMatchOptions {
  /** A label selector instead of the release's (e.g. `app.kubernetes.io/component=server`). */
  readonly selector?: string;
  /** Only this container (init containers count as containers). */
  readonly container?: string;
  /** Start of the time window: default the start of the running test (else the call). */
  readonly since?: Date | string | number;
  /** eventually: the deadline; never: how long to keep watching. Milliseconds; default 30 s / 5 s. */
  readonly timeout?: number;
  readonly interval?: number;
  readonly signal?: AbortSignal;
}

/** One log line that matched. */
export interface PodLogHit {
  readonly pod: string;
  readonly container: string;
  /** true: from the container's previous (terminated) instance. */
  readonly previous: boolean;
  /** When the kubelet recorded it (RFC 3339). */
  readonly time: string;
  readonly line: string;
}

/**
 * Waits until a line of one of the scope's containers (current or previous instance) matches `pattern` (a
 * substring or a RegExp) within the time window, and returns the first such lines.
 */
export async function eventuallyInPodLogs(
  scope: PodLogScope,
  pattern: string | RegExp,
  options: PodLogMatchOptions = {},
): Promise<PodLogHit[]> {
  const since = windowStart(options.since);
  const timeout = options.timeout ?? 30_000;
  let scanned = 0;
  try {
    return await waitUntil(
      async () => {
        const { hits, containers } = await scan(scope, pattern, since, options);
        scanned = containers;
        return hits.length > 0 ? hits : undefined;
      },
      {
        timeout,
        interval: options.interval ?? 1_000,
        signal: options.signal,
        description: `pod logs to contain ${describe(pattern)}`,
      },
    );
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new PodLogNotFoundError(
      `no log line matching ${describe(pattern)} in ${scanned} container log(s) of ${where(scope, options)} since ${new Date(since).toISOString()} within ${timeout} ms`,
      {
        hint: 'is it logged by another container or pod? Check the selector, the container name and the time window',
        cause: error,
      },
    );
  }
}

/** Watches the scope's container logs for `options.timeout` ms (default 5 s) and fails if a line matches. */
export async function neverInPodLogs(
  scope: PodLogScope,
  pattern: string | RegExp,
  options: PodLogMatchOptions = {},
): Promise<void> {
  const since = windowStart(options.since);
  const within = options.timeout ?? 5_000;
  const deadline = Date.now() + within;
  for (;;) {
    options.signal?.throwIfAborted();
    const { hits } = await scan(scope, pattern, since, options);
    if (hits.length > 0) {
      throw new UnexpectedPodLogError(
        `${hits.length} log line(s) matching ${describe(pattern)} in ${where(scope, options)} since ${new Date(since).toISOString()}, though none should appear:\n${hits
          .slice(0, 5)
          .map((hit) => `    ${hit.time} ${hit.pod}/${hit.container}${hit.previous ? ' (previous)' : ''}: ${hit.line}`)
          .join('\n')}`,
      );
    }
    const left = deadline - Date.now();
    if (left <= 0) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(options.interval ?? 1_000, left)));
  }
}

async function scan(
  scope: PodLogScope,
  pattern: string | RegExp,
  since: number,
  options: PodLogMatchOptions,
): Promise<{ hits: PodLogHit[]; containers: number }> {
  const { core } = (scope.context ?? runContext()).kube;
  const pods = new Map<string, V1Pod>();
  for (const selector of options.selector ? [options.selector] : scope.selectors) {
    const list = await core.listNamespacedPod({ namespace: scope.namespace, labelSelector: selector });
    for (const pod of list.items) pods.set(pod.metadata?.name ?? '', pod);
  }
  const hits: PodLogHit[] = [];
  let containers = 0;
  // A RegExp without g/y: test() must not carry lastIndex from one line to the next.
  const regex =
    typeof pattern === 'string' ? undefined : new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  const matches = (line: string) => (regex ? regex.test(line) : line.includes(pattern as string));
  for (const [name, pod] of pods) {
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    for (const status of statuses) {
      if (options.container && status.name !== options.container) continue;
      const instances: boolean[] = [];
      if (status.state?.running || status.state?.terminated) instances.push(false);
      // The previous instance's log, when it ended inside the window (a restart during the test). The kubelet
      // reports finishedAt in whole seconds, rounded down: an instance that ended in the window's first second
      // shows a finishedAt before `since`, so the window is widened to that second (lines are still cut exactly).
      const last = status.lastState?.terminated;
      if (last && finishedAt(last) >= Math.floor(since / 1000) * 1000) instances.push(true);
      for (const previous of instances) {
        const text = await readLog(core, scope.namespace, name, status.name, previous, since);
        if (text === undefined) continue;
        containers += 1;
        for (const raw of text.split('\n')) {
          if (!raw) continue;
          const space = raw.indexOf(' ');
          const time = raw.slice(0, space);
          const line = raw.slice(space + 1);
          if (Date.parse(time) >= since && matches(line)) {
            hits.push({ pod: name, container: status.name, previous, time, line });
          }
        }
      }
    }
  }
  return { hits, containers };
}

async function readLog(
  core: RunContext['kube']['core'],
  namespace: string,
  pod: string,
  container: string,
  previous: boolean,
  since: number,
): Promise<string | undefined> {
  try {
    return await core.readNamespacedPodLog({
      name: pod,
      namespace,
      container,
      previous,
      timestamps: true,
      // Whole seconds, rounded down: the exact cut is made on each line's timestamp.
      sinceSeconds: Math.max(1, Math.ceil((Date.now() - since) / 1000) + 1),
    });
  } catch (error) {
    // A container still being created, or a pod gone between the list and the read: nothing to read yet.
    if ([400, 404].includes(apiStatus(error) ?? 0)) return undefined;
    throw new ChartTestwareError(
      `reading the log of ${namespace}/${pod} container ${container}${previous ? ' (previous)' : ''} failed: ${apiMessage(error)}`,
      { cause: error },
    );
  }
}

/** When a terminated instance ended; one without a time counts as now (its lines are still cut by their own time). */
function finishedAt(terminated: { finishedAt?: Date | string }): number {
  const at = terminated.finishedAt;
  const time = at instanceof Date ? at.getTime() : at ? Date.parse(at) : Number.NaN;
  return Number.isNaN(time) ? Date.now() : time;
}

function windowStart(since: Date | string | number | undefined): number {
  if (since === undefined) return currentTest()?.startedAt ?? Date.now();
  const time = since instanceof Date ? since.getTime() : typeof since === 'number' ? since : Date.parse(since);
  if (Number.isNaN(time)) {
    throw new ChartTestwareError(`since: ${JSON.stringify(since)} is not a time`, {
      hint: 'pass a Date, epoch milliseconds or ISO 8601 text',
    });
  }
  return time;
}

function describe(pattern: string | RegExp): string {
  return typeof pattern === 'string' ? JSON.stringify(pattern) : String(pattern);
}

function where(scope: PodLogScope, options: PodLogMatchOptions): string {
  const selectors = options.selector ? options.selector : scope.selectors.join(' or ');
  return `pods of ${scope.namespace} (${selectors})${options.container ? ` container ${options.container}` : ''}`;
}
