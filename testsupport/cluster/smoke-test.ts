import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import type { RunOptions } from '../config/options.ts';
import { ChartTestwareError } from '../errors.ts';
import { type ProgressSink, stderrProgress } from '../kube/progress.ts';
import { isRunContext, type RunContext, runContext } from '../kube/run-context.ts';
import { WaitTimeoutError, waitUntil } from '../kube/wait-until.ts';
import type { ExpectedContainer } from './expected-containers.ts';

/** The smoke test failed: the message lists the missing containers and each waiting container's reason. */
export class SmokeTestError extends ChartTestwareError {}

export interface SmokeOptions {
  /** Only pods with these labels count (e.g. "app.kubernetes.io/instance=web"). */
  readonly selector?: string;
  /**
   * Default false: only the pods of the expected workloads are looked at (so another release's crashing pod in a
   * shared namespace does not fail this one). True: every pod of the namespace (that `selector` matches) counts.
   */
  readonly everyPod?: boolean;
  readonly timeout?: number;
  readonly interval?: number;
  readonly signal?: AbortSignal;
  readonly progress?: ProgressSink;
  /** The run's options and clients; default: runContext() (the run's, from the environment). */
  readonly context?: RunContext;
}

export interface SmokeReport {
  readonly ok: boolean;
  /** "StatefulSet/x container y: 1/2 running". */
  readonly missing: readonly string[];
  /**
   * Each container not running, and each init container that crashed: "pod/container: Reason (message); last exit
   * code N (Error); R restarts". A crash-looping container shows its last termination in every state it passes
   * through (back-off, just terminated, running again before the next crash).
   */
  readonly waiting: readonly string[];
  readonly running: number;
  readonly expected: number;
  /** Restart count of every container looked at, by "pod/container". */
  readonly restarts: Readonly<Record<string, number>>;
}

/** One look at the namespace: are all expected containers running and none waiting? */
export async function smokeCheck(
  namespace: string,
  expected: readonly ExpectedContainer[],
  options?: RunOptions | RunContext,
  selector?: string,
  { everyPod = false }: { everyPod?: boolean } = {},
): Promise<SmokeReport> {
  const { core } = (isRunContext(options) ? options : runContext(options)).kube;
  const pods = (await core.listNamespacedPod({ namespace, labelSelector: selector })).items.filter(
    (pod) => !pod.metadata?.deletionTimestamp && (everyPod || expected.some((want) => matches(pod, want))),
  );
  const missing: string[] = [];
  let running = 0;
  let total = 0;
  for (const want of expected) {
    total += want.count;
    const matching = pods.filter((pod) => matches(pod, want));
    const up = matching.filter((pod) =>
      pod.status?.containerStatuses?.some((status) => status.name === want.container && status.state?.running),
    ).length;
    running += Math.min(up, want.count);
    if (up < want.count) missing.push(`${want.workload} container "${want.container}": ${up}/${want.count} running`);
  }
  const waiting = pods.flatMap(podProblems);
  const restarts: Record<string, number> = {};
  for (const pod of pods) {
    for (const status of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      restarts[`${pod.metadata?.name}/${status.name}`] = status.restartCount;
    }
  }
  return { ok: missing.length === 0 && waiting.length === 0, missing, waiting, running, expected: total, restarts };
}

/** The lines saying what keeps `pod`'s containers from running, crashed init containers first. */
export function podProblems(pod: V1Pod): string[] {
  const lines: string[] = [];
  const initStatuses = pod.status?.initContainerStatuses ?? [];
  for (const status of initStatuses) {
    const line = containerProblem(pod, status, true);
    if (line) lines.push(line);
  }
  const initFailing = lines.length > 0;
  for (const status of pod.status?.containerStatuses ?? []) {
    // "PodInitializing" says nothing the init container's own line does not say better
    if (initFailing && status.state?.waiting?.reason === 'PodInitializing') continue;
    const line = containerProblem(pod, status, false);
    if (line) lines.push(line);
  }
  if (pod.status?.phase === 'Pending' && lines.length === 0 && !(pod.status.containerStatuses ?? []).length) {
    const scheduled = pod.status.conditions?.find(
      (condition) => condition.type === 'PodScheduled' && condition.status === 'False',
    );
    lines.push(`${pod.metadata?.name}: Pending${scheduled ? ` (${scheduled.reason}: ${scheduled.message})` : ''}`);
  }
  return lines;
}

function containerProblem(pod: V1Pod, status: V1ContainerStatus, init: boolean): string | undefined {
  const name = `${pod.metadata?.name}/${status.name}${init ? ' (init)' : ''}`;
  const restarts = status.restartCount > 0 ? `; ${status.restartCount} restarts` : '';
  const last = status.lastState?.terminated;
  const lastExit = last ? `; last exit code ${last.exitCode}${last.reason ? ` (${last.reason})` : ''}` : '';
  const state = status.state;
  if (state?.waiting) {
    const message = state.waiting.message ? ` (${state.waiting.message})` : '';
    return `${name}: ${state.waiting.reason ?? 'Waiting'}${message}${lastExit}${restarts}`;
  }
  if (state?.terminated) {
    // between a crash and the kubelet's restart (or back-off) the container shows as terminated; a finished init
    // container (exit 0) or a container of a pod that never restarts is not a problem here
    const crashed = init ? state.terminated.exitCode !== 0 : pod.spec?.restartPolicy !== 'Never';
    if (!crashed) return undefined;
    return `${name}: Terminated ${state.terminated.reason ?? ''} (exit code ${state.terminated.exitCode})${restarts}`;
  }
  if (state?.running && init && last) {
    // an init container running again after a crash: the pod is still initialising, and will likely crash again
    return `${name}: Running again after a crash${lastExit}${restarts}`;
  }
  return undefined;
}

/**
 * The smoke test: retries until every expected container (from the rendered charts, see expectedContainers)
 * runs and none waits, on two checks in a row with no restart in between, or throws SmokeTestError at the deadline listing what is missing and why it waits.
 */
export async function smokeTest(
  namespace: string,
  expected: readonly ExpectedContainer[],
  smoke: SmokeOptions = {},
): Promise<SmokeReport> {
  const context = smoke.context ?? runContext();
  const options = context.options;
  const progress = smoke.progress ?? stderrProgress;
  let last: SmokeReport | undefined;
  let lastFailed: SmokeReport | undefined;
  let lastPrinted = 0;
  try {
    return await waitUntil(
      async () => {
        const previous = last;
        last = await smokeCheck(namespace, expected, context, smoke.selector, { everyPod: smoke.everyPod });
        if (!last.ok) lastFailed = last;
        // one look can catch a crash-looping container in its moment of running: pass on two looks in a row
        // (an interval apart) that both pass with no container restarted in between
        const stable =
          last.ok && previous?.ok === true && JSON.stringify(previous.restarts) === JSON.stringify(last.restarts);
        if (!last.ok && performance.now() - lastPrinted >= options.timeouts.progressIntervalMs) {
          lastPrinted = performance.now();
          progress(
            `smoke test in ${namespace}: ${last.running}/${last.expected} containers running; ${[...last.missing, ...last.waiting].slice(0, 4).join('; ')}`,
          );
        }
        return stable ? last : undefined;
      },
      {
        timeout: smoke.timeout ?? options.timeouts.readyTimeoutMs,
        interval: smoke.interval ?? options.timeouts.pollIntervalMs,
        signal: smoke.signal,
        description: `the smoke test in namespace ${namespace}`,
      },
    );
  } catch (error) {
    if (!(error instanceof WaitTimeoutError) || !last) throw error;
    // the last look may have caught a restarting container running: report the last look that saw the problem
    const report = last.ok && lastFailed ? lastFailed : last;
    const restarted = Object.entries(last.restarts)
      .filter(([container, count]) => (lastFailed?.restarts[container] ?? count) !== count)
      .map(([container]) => `  restarted: ${container}`);
    throw new SmokeTestError(
      `smoke test failed in namespace ${namespace}: ${report.running}/${report.expected} expected containers running\n${[
        ...report.missing.map((line) => `  missing: ${line}`),
        ...report.waiting.map((line) => `  waiting: ${line}`),
        ...restarted,
      ].join('\n')}`,
      { hint: `the waiting reasons say why; \`kubectl describe pod -n ${namespace} <pod>\` shows more`, cause: error },
    );
  }
}

function matches(pod: V1Pod, want: ExpectedContainer): boolean {
  if (want.podName) return pod.metadata?.name === want.podName;
  const labels = pod.metadata?.labels ?? {};
  return !!want.selector && Object.entries(want.selector).every(([key, value]) => labels[key] === value);
}
