import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RunOptions } from '../config/options.ts';

/** What the marker environment records about each test, one JSON line per event, for the runner. */
export interface TestRecord {
  readonly testPath: string;
  readonly fullName: string;
  readonly markers: readonly string[];
  /** selected/deselected at the start of the file; then passed, failed or skipped. */
  readonly status: 'selected' | 'deselected' | 'passed' | 'failed' | 'skipped';
  readonly artifactsDir?: string;
}

export function runStateDir(options: Pick<RunOptions, 'reportsDir' | 'runId'>): string {
  return path.join(options.reportsDir, '.run', options.runId);
}

/**
 * Deletes the run's state folder (it holds Jest's raw results) and, while at it, state folders of runs that were
 * killed before they could (nothing in them changed for a day). Safe to call more than once.
 */
export function removeRunState(options: Pick<RunOptions, 'reportsDir' | 'runId'>, staleAfterMs = 24 * 3600_000): void {
  rmSync(runStateDir(options), { recursive: true, force: true });
  const parent = path.join(options.reportsDir, '.run');
  let others: string[];
  try {
    others = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of others) {
    const dir = path.join(parent, name);
    try {
      const newest = Math.max(
        statSync(dir).mtimeMs,
        ...readdirSync(dir).map((f) => statSync(path.join(dir, f)).mtimeMs),
      );
      if (Date.now() - newest > staleAfterMs) rmSync(dir, { recursive: true, force: true });
    } catch {
      // removed meanwhile, or not ours to read
    }
  }
  try {
    rmdirSync(parent); // only when empty: another run may have just made its own folder there
  } catch {
    // not empty
  }
}

/**
 * Removes the run's state folder however the runner ends (normal end, failure, interrupt handled, process.exit),
 * unless CHART_TESTWARE_KEEP_RUN_STATE=true (to debug the runner: the folder then stays, redacted like every report).
 */
export function removeRunStateOnExit(
  options: Pick<RunOptions, 'reportsDir' | 'runId'>,
  env: NodeJS.ProcessEnv = process.env,
): void {
  if (env.CHART_TESTWARE_KEEP_RUN_STATE === 'true') return;
  process.once('exit', () => {
    try {
      removeRunState(options);
    } catch {
      // the exit code matters more than a folder that could not be removed
    }
  });
}

/** Exists once a test file of the run asked for the job namespace: the runner then cleans up the cluster. */
export function clusterUsedMarker(options: Pick<RunOptions, 'reportsDir' | 'runId'>): string {
  return path.join(runStateDir(options), 'cluster-used');
}

/** Every record of the run, the last status of each test winning (selected, then its outcome). */
export function readTestRecords(options: Pick<RunOptions, 'reportsDir' | 'runId'>): Map<string, TestRecord> {
  const dir = runStateDir(options);
  const records = new Map<string, TestRecord>();
  if (!existsSync(dir)) return records;
  for (const file of readdirSync(dir)
    .filter((name) => name.startsWith('tests-'))
    .sort()) {
    for (const line of readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const record = JSON.parse(line) as TestRecord;
      records.set(testKey(record.testPath, record.fullName), record);
    }
  }
  return records;
}

export function testKey(testPath: string, fullName: string): string {
  return `${testPath}\u0000${fullName}`;
}
