import { existsSync, readFileSync } from 'node:fs';

/** The parts of Jest's --json output the runner reads. */
export interface JestAssertionResult {
  readonly ancestorTitles: readonly string[];
  readonly title: string;
  readonly fullName: string;
  readonly status: 'passed' | 'failed' | 'pending' | 'skipped' | 'todo' | 'disabled' | 'focused';
  readonly duration?: number | null;
  readonly failureMessages: readonly string[];
}

export interface JestFileResult {
  readonly name: string;
  readonly status: 'passed' | 'failed' | 'pending' | 'focused';
  readonly message: string;
  readonly startTime: number;
  readonly endTime: number;
  readonly assertionResults: readonly JestAssertionResult[];
}

export interface JestResults {
  readonly testResults: readonly JestFileResult[];
}

export function readJestResults(file: string): JestResults | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as JestResults;
}
