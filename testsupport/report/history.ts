import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.ts';

export type Outcome = 'passed' | 'failed';

/** The outcomes of past runs, newest last: what decides "ready to leave quarantine" and "flaky". */
export interface RunHistory {
  readonly version: 1;
  readonly runs: readonly { readonly runId: string; readonly at: string; readonly outcomes: Record<string, Outcome> }[];
}

/** Runs kept in the file; the report looks at the last `historyLength()` of them. */
const keptRuns = 100;

/** CHART_TESTWARE_HISTORY_FILE, else <reportsDir>/history.json. */
export function historyFile(reportsDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.CHART_TESTWARE_HISTORY_FILE?.trim();
  return configured ? path.resolve(configured) : path.join(reportsDir, 'history.json');
}

/** CHART_TESTWARE_HISTORY_LENGTH (default 5): outcomes shown, and passes in a row to leave quarantine. */
export function historyLength(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.CHART_TESTWARE_HISTORY_LENGTH?.trim();
  if (!text) return 5;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 100) {
    throw new ConfigError(`CHART_TESTWARE_HISTORY_LENGTH="${text}" is not a whole number from 1 to 100`, {
      hint: 'set it to how many past runs the report shows, e.g. CHART_TESTWARE_HISTORY_LENGTH=5, or unset it',
    });
  }
  return n;
}

export function readHistory(file: string): RunHistory {
  if (!existsSync(file)) return { version: 1, runs: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`the history file ${file} is not JSON: ${(error as Error).message}`, {
      hint: 'delete it (the next run starts a new history) or point CHART_TESTWARE_HISTORY_FILE elsewhere',
    });
  }
  const runs = (parsed as Partial<RunHistory>)?.runs;
  if (!Array.isArray(runs)) {
    throw new ConfigError(`the history file ${file} has no "runs" list`, {
      hint: 'delete it (the next run starts a new history) or point CHART_TESTWARE_HISTORY_FILE elsewhere',
    });
  }
  return { version: 1, runs };
}

/** Adds a run (replacing one with the same id) and writes the file atomically. Returns the new history. */
export function appendRun(file: string, runId: string, outcomes: Record<string, Outcome>): RunHistory {
  const previous = readHistory(file).runs.filter((run) => run.runId !== runId);
  const history: RunHistory = {
    version: 1,
    runs: [...previous, { runId, at: new Date().toISOString(), outcomes }].slice(-keptRuns),
  };
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(history)}\n`);
  renameSync(temporary, file);
  return history;
}

/** The last `n` outcomes of a test (oldest first), from runs that ran it. */
export function outcomesOf(history: RunHistory, key: string, n: number): Outcome[] {
  const outcomes: Outcome[] = [];
  for (const run of history.runs) {
    const outcome = run.outcomes[key];
    if (outcome) outcomes.push(outcome);
  }
  return outcomes.slice(-n);
}

/** A quarantined test that passed its last n runs. */
export function readyToLeaveQuarantine(outcomes: readonly Outcome[], n: number): boolean {
  return outcomes.length >= n && outcomes.every((outcome) => outcome === 'passed');
}

/** Outcomes that flip between passed and failed. */
export function flips(outcomes: readonly Outcome[]): boolean {
  return outcomes.includes('passed') && outcomes.includes('failed');
}
