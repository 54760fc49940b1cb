import type { RunOptions } from '../config/options.ts';
import { settle } from '../context/settle.ts';
import { ChartTestwareError } from '../errors.ts';
import { HelmCommandError } from '../helm/helm-command-error.ts';
import { parseTestSuites } from '../helm/helm-results.ts';
import type { HelmTestAdaptor } from '../helm/helm-test-adaptor.ts';
import { podLogs } from '../kube/pod-logs.ts';
import { runContext } from '../kube/run-context.ts';

export interface ReleaseTestOptions {
  /** Milliseconds helm may take (its --timeout); default the run's helm timeout. */
  readonly timeout?: number;
  readonly signal?: AbortSignal;
  /** helm test --filter, e.g. ["name=my-test"] or ["!name=slow-test"]. */
  readonly filter?: readonly string[];
}

/** One test pod of `helm test`. */
export interface ReleaseTestSuite {
  /** The test pod's name. */
  readonly name: string;
  /** Succeeded, Failed, or what helm reported. */
  readonly phase: string;
  readonly passed: boolean;
  /** The test pod's log (from helm --logs, else read from the pod). */
  readonly log: string;
}

export interface ReleaseTestResult {
  /** Every test pod succeeded (and there was at least one). */
  readonly passed: boolean;
  readonly suites: readonly ReleaseTestSuite[];
  /** helm's output (status and logs). */
  readonly output: string;
  readonly durationMs: number;
}

/** `helm test` found a failing test pod (or none): `result` has every pod's phase and log. */
export class ReleaseTestError extends ChartTestwareError {
  readonly result: ReleaseTestResult;

  constructor(message: string, result: ReleaseTestResult, hint: string) {
    super(message, { hint });
    this.result = result;
  }
}

interface Target {
  readonly helm: HelmTestAdaptor;
  readonly releaseName: string;
  readonly namespace: string;
  readonly options: RunOptions;
}

/**
 * Runs the release's helm tests with their logs. Resolves with the typed result when every test pod succeeds;
 * throws ReleaseTestError (with the result, the failing pods and their last log lines) when one fails or the
 * chart has none; a helm that cannot run the tests at all (no such release) throws its HelmCommandError.
 */
export async function runReleaseTests(target: Target, options: ReleaseTestOptions = {}): Promise<ReleaseTestResult> {
  const started = performance.now();
  const outcome = await settle(
    target.helm.test(target.releaseName, {
      logs: true,
      filter: options.filter,
      timeout: options.timeout ?? target.options.timeouts.helmTimeoutMs,
      signal: options.signal,
    }),
    HelmCommandError,
  );
  const output = outcome.ok ? outcome.value.output : outcome.error.stdout;
  const phases = parseTestSuites(output);
  if (!outcome.ok && phases.length === 0) throw outcome.error;
  const logs = parseLogs(output);
  const suites = await Promise.all(
    phases.map(async ({ name, phase }) => ({
      name,
      phase,
      passed: phase === 'Succeeded',
      log:
        logs.get(name) ??
        (await podLogs(target.namespace, name, { context: runContext(target.options) }).catch(() => '')),
    })),
  );
  const result: ReleaseTestResult = {
    passed: outcome.ok && suites.length > 0 && suites.every((suite) => suite.passed),
    suites,
    output,
    durationMs: performance.now() - started,
  };
  if (result.passed) return result;
  const where = `release ${target.releaseName} in ${target.namespace}`;
  if (suites.length === 0) {
    throw new ReleaseTestError(
      `helm test of ${where} ran no test pod`,
      result,
      'the chart has no templates with the helm.sh/hook: test annotation (or --filter left none)',
    );
  }
  const failed = suites.filter((suite) => !suite.passed);
  const shown = (failed.length ? failed : suites)
    .map((suite) => `  ${suite.name}: ${suite.phase}\n${tail(suite.log)}`)
    .join('\n');
  throw new ReleaseTestError(
    `helm test of ${where}: ${failed.length} of ${suites.length} test pod(s) did not succeed\n${shown}`,
    result,
    `kubectl -n ${target.namespace} describe pod ${(failed[0] ?? suites[0])?.name}`,
  );
}

function tail(log: string): string {
  const lines = log.split('\n').filter((line) => line.trim() !== '');
  if (lines.length === 0) return '    (no log)';
  return lines
    .slice(-8)
    .map((line) => `    | ${line}`)
    .join('\n');
}

/** The "POD LOGS: <pod>" sections helm --logs appends. */
function parseLogs(output: string): Map<string, string> {
  const logs = new Map<string, string>();
  const parts = output.split(/^POD LOGS:\s*(\S+)\s*$/m);
  for (let index = 1; index + 1 < parts.length; index += 2) {
    logs.set(parts[index] ?? '', (parts[index + 1] ?? '').replace(/^\n+|\n+$/g, ''));
  }
  return logs;
}
