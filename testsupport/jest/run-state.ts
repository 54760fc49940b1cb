import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
