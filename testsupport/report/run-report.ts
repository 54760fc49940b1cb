import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { DeploymentRecord, RunEvent } from '../record/run-event.ts';
import { safeName } from '../record/safe-name.ts';
import { SecretRedactor } from '../record/secret-redaction.ts';
import { type EventsOfScope, readEventsFiles } from './events-files.ts';
import { flips, type Outcome, outcomesOf, type RunHistory, readyToLeaveQuarantine } from './history.ts';
import type { JestResults } from './jest-results.ts';
import { type TestRecord, testKey } from './run-state.ts';

export type ReportStatus = 'passed' | 'failed' | 'quarantined' | 'skipped' | 'deselected';

export interface ReportTest {
  /** Relative to the project root. */
  readonly file: string;
  readonly name: string;
  readonly status: ReportStatus;
  readonly markers: readonly string[];
  readonly durationMs: number;
  /** The failure message (ANSI stripped, redacted, shortened). */
  readonly failure?: string;
  /** The diagnostics folder, relative to the reports folder, and the files in it. */
  readonly artifacts?: string;
  readonly artifactFiles?: readonly string[];
  /** Its own events and those of the beforeAll/afterAll hooks around it, oldest first. */
  readonly events: readonly RunEvent[];
  /** Outcomes of the last runs, oldest first, this one included. */
  readonly history: readonly Outcome[];
  readonly readyToLeaveQuarantine: boolean;
  readonly flaky: boolean;
}

export interface RunReport {
  readonly version: 1;
  readonly runId: string;
  readonly generatedAt: string;
  readonly durationMs: number;
  readonly interrupted: boolean;
  readonly counts: Readonly<Record<ReportStatus, number>>;
  readonly versions: { readonly kubernetes?: string; readonly helm?: string; readonly cluster?: string };
  readonly inventory: readonly DeploymentRecord[];
  /** Files that failed outside their tests (an afterAll, a load error), with the hooks' diagnostics if any. */
  readonly suiteErrors: readonly { readonly file: string; readonly message: string; readonly artifacts?: string }[];
  readonly historyLength: number;
  readonly tests: readonly ReportTest[];
}

export interface RunReportInput {
  readonly runId: string;
  readonly reportsDir: string;
  readonly rootDir: string;
  readonly records: ReadonlyMap<string, TestRecord>;
  readonly jest: JestResults | undefined;
  readonly interrupted?: boolean;
}

const redactor = new SecretRedactor();
const ansiColour = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** The history key of a test: its file (relative) and full name. */
export function historyKey(file: string, name: string): string {
  return `${file} › ${name}`;
}

/** Outcomes of this run for the history: passed or failed tests only. */
export function runOutcomes(input: RunReportInput): Record<string, Outcome> {
  const outcomes: Record<string, Outcome> = {};
  for (const record of input.records.values()) {
    if (record.status !== 'passed' && record.status !== 'failed') continue;
    outcomes[historyKey(path.relative(input.rootDir, record.testPath), record.fullName)] = record.status;
  }
  return outcomes;
}

/** Joins the runner's records, Jest's results, the events files and the history into the report's data. */
export function buildRunReport(input: RunReportInput, history: RunHistory, historyLength: number): RunReport {
  const results = new Map<string, { duration: number; failure: string }>();
  let started = Number.POSITIVE_INFINITY;
  let ended = 0;
  const suiteErrors: { file: string; message: string; artifacts?: string }[] = [];
  for (const file of input.jest?.testResults ?? []) {
    started = Math.min(started, file.startTime);
    ended = Math.max(ended, file.endTime);
    for (const result of file.assertionResults) {
      results.set(testKey(file.name, result.fullName), {
        duration: result.duration ?? 0,
        failure: result.failureMessages.join('\n'),
      });
    }
    if (file.status === 'failed' && !file.assertionResults.some((result) => result.status === 'failed')) {
      const relative = path.relative(input.rootDir, file.name);
      const hooks = path.join(input.reportsDir, 'artifacts', safeName(relative));
      const afterAll = existsSync(hooks) ? readdirSync(hooks).find((name) => name.startsWith('afterAll')) : undefined;
      suiteErrors.push({
        file: relative,
        message: clean(file.message),
        ...(afterAll ? { artifacts: path.relative(input.reportsDir, path.join(hooks, afterAll)) } : {}),
      });
    }
  }
  const scopes = readEventsFiles(input.reportsDir);
  const ownEvents = new Map<string, EventsOfScope>();
  const hooksOfFile = new Map<string, EventsOfScope[]>();
  for (const scope of scopes) {
    if (scope.header.hook) {
      hooksOfFile.set(scope.header.testPath, [...(hooksOfFile.get(scope.header.testPath) ?? []), scope]);
    } else {
      ownEvents.set(testKey(scope.header.testPath, scope.header.fullName), scope);
    }
  }

  const counts: Record<ReportStatus, number> = { passed: 0, failed: 0, quarantined: 0, skipped: 0, deselected: 0 };
  const tests: ReportTest[] = [];
  for (const record of input.records.values()) {
    const key = testKey(record.testPath, record.fullName);
    const quarantined = record.markers.includes('quarantine');
    const status: ReportStatus =
      record.status === 'failed'
        ? quarantined
          ? 'quarantined'
          : 'failed'
        : record.status === 'selected'
          ? 'skipped'
          : record.status;
    counts[status]++;
    const file = path.relative(input.rootDir, record.testPath);
    const around = (hooksOfFile.get(record.testPath) ?? []).filter(({ header }) => {
      const prefix = header.describePath ?? '';
      return prefix === '' || record.fullName === prefix || record.fullName.startsWith(`${prefix} `);
    });
    const events = [...around.flatMap((scope) => scope.events), ...(ownEvents.get(key)?.events ?? [])].sort(
      (a, b) => a.at - b.at,
    );
    const result = results.get(key);
    const outcomes = outcomesOf(history, historyKey(file, record.fullName), historyLength);
    const artifacts =
      record.artifactsDir && existsSync(record.artifactsDir)
        ? path.relative(input.reportsDir, record.artifactsDir)
        : undefined;
    tests.push({
      file,
      name: record.fullName,
      status,
      markers: record.markers,
      durationMs: result?.duration ?? 0,
      ...(record.status === 'failed' && result?.failure ? { failure: clean(result.failure) } : {}),
      ...(artifacts && record.artifactsDir
        ? {
            artifacts,
            artifactFiles: filesUnder(record.artifactsDir)
              .slice(0, 60)
              .map((f) => path.relative(input.reportsDir, f)),
          }
        : {}),
      events,
      history: outcomes,
      readyToLeaveQuarantine: quarantined && readyToLeaveQuarantine(outcomes, historyLength),
      flaky: !quarantined && flips(outcomes),
    });
  }
  tests.sort((a, b) => a.file.localeCompare(b.file));

  const inventory = new Map<string, DeploymentRecord>();
  for (const scope of scopes) {
    for (const event of scope.events) {
      if (event.kind === 'deployment' && event.deployment) {
        inventory.set(`${event.deployment.namespace}/${event.deployment.release}`, event.deployment);
      }
    }
  }
  const first = [...inventory.values()][0];
  return {
    version: 1,
    runId: input.runId,
    generatedAt: new Date().toISOString(),
    durationMs: Number.isFinite(started) ? ended - started : 0,
    interrupted: input.interrupted ?? false,
    counts,
    versions: {
      ...(first?.kubernetesVersion ? { kubernetes: first.kubernetesVersion } : {}),
      ...(first?.helmVersion ? { helm: first.helmVersion } : {}),
      ...(first?.cluster ? { cluster: first.cluster } : {}),
    },
    inventory: [...inventory.values()],
    suiteErrors,
    historyLength,
    tests,
  };
}

function clean(text: string): string {
  const plain = redactor.text(text.replace(ansiColour, ''));
  return plain.length > 6000 ? `${plain.slice(0, 6000)}\n…` : plain;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const file = path.join(dir, entry);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });
}

/** The report with its history columns taken from `history` (what `npm run report` re-renders with). */
export function withHistory(report: RunReport, history: RunHistory, historyLength: number): RunReport {
  return {
    ...report,
    historyLength,
    tests: report.tests.map((test) => {
      const outcomes = outcomesOf(history, historyKey(test.file, test.name), historyLength);
      const quarantined = test.markers.includes('quarantine');
      return {
        ...test,
        history: outcomes,
        readyToLeaveQuarantine: quarantined && readyToLeaveQuarantine(outcomes, historyLength),
        flaky: !quarantined && flips(outcomes),
      };
    }),
  };
}
