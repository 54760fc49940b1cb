import type { JestResults } from '../report/jest-results.ts';
import { type TestRecord, testKey } from '../report/run-state.ts';

export interface SuiteError {
  readonly testPath: string;
  readonly message: string;
  readonly quarantined: boolean;
}

export interface RunSummary {
  readonly passed: number;
  /** Failures that fail the run. */
  readonly failed: readonly string[];
  /** Failures of quarantined tests: reported, never failing the run. */
  readonly quarantinedFailed: readonly string[];
  readonly skipped: number;
  readonly deselected: number;
  /** Files that failed outside any test (did not load, a hook outside tests threw). */
  readonly suiteErrors: readonly SuiteError[];
  readonly chartDeploySelected: boolean;
}

/** Joins Jest's results with the markers the environment recorded, and decides what fails the run. */
export function summarizeRun(records: ReadonlyMap<string, TestRecord>, jest: JestResults | undefined): RunSummary {
  let passed = 0;
  let skipped = 0;
  let deselected = 0;
  const failed: string[] = [];
  const quarantinedFailed: string[] = [];
  for (const record of records.values()) {
    const quarantined = record.markers.includes('quarantine');
    if (record.status === 'passed') passed++;
    else if (record.status === 'skipped') skipped++;
    else if (record.status === 'deselected') deselected++;
    else if (record.status === 'failed')
      (quarantined ? quarantinedFailed : failed).push(`${record.fullName} (${record.testPath})`);
  }
  const suiteErrors: SuiteError[] = [];
  for (const file of jest?.testResults ?? []) {
    const testFailed = file.assertionResults.some((result) => result.status === 'failed');
    if (file.status !== 'failed' || testFailed) continue;
    const selected = [...records.values()].filter(
      (record) => record.testPath === file.name && record.status !== 'deselected',
    );
    const quarantined = selected.length > 0 && selected.every((record) => record.markers.includes('quarantine'));
    suiteErrors.push({ testPath: file.name, message: file.message, quarantined });
  }
  const chartDeploySelected = [...records.values()].some(
    (record) => record.status !== 'deselected' && record.markers.includes('chart_deploy'),
  );
  return { passed, failed, quarantinedFailed, skipped, deselected, suiteErrors, chartDeploySelected };
}

export function runFailed(summary: RunSummary): boolean {
  return summary.failed.length > 0 || summary.suiteErrors.some((error) => !error.quarantined);
}

/** Key of a Jest assertion result in the records. */
export function resultKey(testPath: string, fullName: string): string {
  return testKey(testPath, fullName);
}
