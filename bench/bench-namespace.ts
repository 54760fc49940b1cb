// A throwaway job namespace for a benchmark, made and released the way a test run does it.
import { randomBytes } from 'node:crypto';
import { ensureJobNamespace } from '../testsupport/cluster/job-namespace.ts';
import { releaseRunNamespaces } from '../testsupport/cluster/namespace-cleanup.ts';
import { type RunOptions, resolveOptions } from '../testsupport/config/options.ts';

export async function benchNamespace(
  kind: string,
): Promise<{ options: RunOptions; namespace: string } & AsyncDisposable> {
  const options = resolveOptions(
    { testNamespace: `ct-bench-${kind}-${randomBytes(3).toString('hex')}` },
    { ...process.env, CHART_TESTWARE_OPTIONS: '', CHART_TESTWARE_RUN_ID: `bench-${kind}-${Date.now().toString(36)}` },
  );
  const namespace = await ensureJobNamespace(options);
  return {
    options,
    namespace,
    [Symbol.asyncDispose]: () => releaseRunNamespaces(options, { failed: false }),
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export const round = (value: number): number => Math.round(value * 10) / 10;
