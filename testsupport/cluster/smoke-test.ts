import type { V1Pod } from '@kubernetes/client-node';
import { loadOptions, type RunOptions } from '../config/options.ts';
import { ChartTestwareError } from '../errors.ts';
import { kubeClients } from '../kube/kube-clients.ts';
import { type ProgressSink, stderrProgress } from '../kube/progress.ts';
import { WaitTimeoutError, waitUntil } from '../kube/wait-until.ts';
import type { ExpectedContainer } from './expected-containers.ts';

/** The smoke test failed: the message lists the missing containers and each waiting container's reason. */
export class SmokeTestError extends ChartTestwareError {}

export interface SmokeOptions {
  /** Only pods with these labels count (e.g. "app.kubernetes.io/instance=web"); default every pod of the namespace. */
  readonly selector?: string;
  readonly timeout?: number;
  readonly interval?: number;
  readonly signal?: AbortSignal;
  readonly progress?: ProgressSink;
  readonly options?: RunOptions;
}

export interface SmokeReport {
  readonly ok: boolean;
  /** "StatefulSet/x container y: 1/2 running". */
  readonly missing: readonly string[];
  /** Each container not running: "pod/container: Reason (message); last exit code N; R restarts". */
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
  options?: RunOptions,
  selector?: string,
): Promise<SmokeReport> {
  const { core } = kubeClients(options ?? loadOptions());
  const pods = (await core.listNamespacedPod({ namespace, labelSelector: selector })).items.filter(
    (pod) => !pod.metadata?.deletionTimestamp,
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
  const waiting: string[] = [];
  for (const pod of pods) {
    const initStatuses = pod.status?.initContainerStatuses ?? [];
    for (const status of [...initStatuses, ...(pod.status?.containerStatuses ?? [])]) {
      const init = initStatuses.includes(status) ? ' (init)' : '';
      const last = status.lastState?.terminated;
      const lastExit = last ? `; last exit code ${last.exitCode}${last.reason ? ` (${last.reason})` : ''}` : '';
      const restarts = status.restartCount > 0 ? `; ${status.restartCount} restarts` : '';
      const state = status.state;
      if (state?.waiting) {
        waiting.push(
          `${pod.metadata?.name}/${status.name}${init}: ${state.waiting.reason ?? 'Waiting'}${
            state.waiting.message ? ` (${state.waiting.message})` : ''
          }${lastExit}${restarts}`,
        );
      } else if (state?.terminated && !init && pod.spec?.restartPolicy !== 'Never') {
        // between a crash and the kubelet's restart (or back-off) the container shows as terminated
        waiting.push(
          `${pod.metadata?.name}/${status.name}: Terminated ${state.terminated.reason ?? ''} (exit code ${state.terminated.exitCode})${restarts}`,
        );
      }
    }
    if (pod.status?.phase === 'Pending' && !(pod.status.containerStatuses ?? []).length) {
      const scheduled = pod.status.conditions?.find(
        (condition) => condition.type === 'PodScheduled' && condition.status === 'False',
      );
      waiting.push(`${pod.metadata?.name}: Pending${scheduled ? ` (${scheduled.reason}: ${scheduled.message})` : ''}`);
    }
  }
  const restarts: Record<string, number> = {};
  for (const pod of pods) {
    for (const status of pod.status?.containerStatuses ?? []) {
      restarts[`${pod.metadata?.name}/${status.name}`] = status.restartCount;
    }
  }
  return { ok: missing.length === 0 && waiting.length === 0, missing, waiting, running, expected: total, restarts };
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
  const options = smoke.options ?? loadOptions();
  const progress = smoke.progress ?? stderrProgress;
  let last: SmokeReport | undefined;
  let lastFailed: SmokeReport | undefined;
  let lastPrinted = 0;
  try {
    return await waitUntil(
      async () => {
        const previous = last;
        last = await smokeCheck(namespace, expected, options, smoke.selector);
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
