#!/usr/bin/env node
// bench:flake: the chart_deploy selection N times in a row, each run in its own job namespace, with CPU-bound
// processes running beside it (a loaded CI machine), to find tests that fail under load and fail-fasts that were
// not verdicts.
//   npm run bench:flake -- [--runs N] [--burners N] [--marker EXPR | --all] [test path patterns...]
// --all runs the whole suite, every marker, as `npm run test:all` and CI do.
// Prints per run the pass/fail counts, every fail-fast reason that failed a test (a false fail-fast: the true
// fail-fast tests pass when they get theirs), the not-final reasons that waits saw and went past, and at the end
// `false fail-fasts: K`. Each run's output and JUnit report are kept under reports/flake/<stamp>/run-<i>/.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const usage =
  'usage: npm run bench:flake -- [--runs N (default 5)] [--burners N (default 2)] [--marker EXPR | --all (the whole suite, as test:all)] [test path patterns...]';
const root = path.resolve(import.meta.dirname, '..');

function count(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`bench:flake: ${flag} must be a whole number >= 0, got "${text}"\n${usage}`);
    process.exit(4);
  }
  return value;
}

let parsed: ReturnType<typeof parseFlags>;
function parseFlags() {
  return parseArgs({
    allowPositionals: true,
    options: {
      runs: { type: 'string' },
      burners: { type: 'string' },
      marker: { type: 'string' },
      all: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
}
try {
  parsed = parseFlags();
} catch (error) {
  console.error(`bench:flake: ${(error as Error).message}\n${usage}`);
  process.exit(4);
}
if (parsed.values.help) {
  console.log(usage);
  process.exit(0);
}
const runs = count('--runs', parsed.values.runs, 5);
const burnerCount = count('--burners', parsed.values.burners, 2);
if (parsed.values.all && parsed.values.marker !== undefined) {
  console.error(`bench:flake: --all and --marker cannot be combined\n${usage}`);
  process.exit(4);
}
const selection = parsed.values.all
  ? ['--all']
  : ['--marker', parsed.values.marker ?? 'chart_deploy and not quarantine'];
const patterns = parsed.positionals;
const baseNamespace = process.env.CHART_TESTWARE_NAMESPACE ?? 'ci';
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const outDir = path.join(root, 'reports', 'flake', stamp);

// CPU-bound processes beside the runs, started and stopped by their own PIDs
const burners: ChildProcess[] = [];
function stopBurners(): void {
  for (const burner of burners) if (burner.exitCode === null && burner.pid) process.kill(burner.pid, 'SIGKILL');
}
let current: ChildProcess | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopBurners();
    // the runner releases its namespace on a signal; wait for it to finish before leaving
    if (current?.pid && current.exitCode === null) {
      process.kill(current.pid, signal);
      current.once('exit', () => process.exit(130));
    } else {
      process.exit(130);
    }
  });
}
process.on('exit', stopBurners);
for (let i = 0; i < burnerCount; i++) {
  burners.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

interface RunResult {
  readonly exitCode: number;
  readonly seconds: number;
  readonly tests: number;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  /** Reasons of fail-fasts that failed a test (ChartNotReadyError in a failure message). */
  readonly falseFailFasts: string[];
  /** Reasons a wait saw, did not fail on, and turned ready past (its "ready after ... not final" progress line). */
  readonly reasonsPassed: string[];
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function readResult(dir: string, log: string, exitCode: number, seconds: number): RunResult {
  const junitFile = path.join(dir, 'junit.xml');
  const junit = existsSync(junitFile) ? readFileSync(junitFile, 'utf8') : '';
  const cases = junit.split('<testcase ').slice(1);
  let failed = 0;
  let skipped = 0;
  const falseFailFasts: string[] = [];
  for (const testCase of cases) {
    const failure = /<(failure|error)( [^>]*)>([\s\S]*?)<\/\1>/.exec(testCase);
    if (failure && !failure[2]?.includes('type="QuarantinedFailure"')) {
      failed++;
      const reason = /cannot become ready: (\w+)/.exec(unescapeXml(failure[3] ?? ''))?.[1];
      if (reason) falseFailFasts.push(`${reason} in "${unescapeXml(/ name="([^"]*)"/.exec(testCase)?.[1] ?? '?')}"`);
    } else if (testCase.includes('<skipped/>')) {
      skipped++;
    }
  }
  // "<wait>: ready after N ms, past K reason(s) that were not final: <where>: <Reason> (<message>), <weight>, ..."
  const reasonsPassed = [
    ...log.matchAll(/ready after \d+ ms, past \d+ reason\(s\) that were not final: (.*)/g),
  ].flatMap((line) =>
    [...(line[1] ?? '').matchAll(/: ([A-Z][A-Za-z]+)(?: \(.*?\))?, (transient|repeated),/g)].map(
      (match) => `${match[1]} (${match[2]})`,
    ),
  );
  return {
    exitCode,
    seconds,
    tests: cases.length,
    passed: cases.length - failed - skipped,
    failed,
    skipped,
    falseFailFasts,
    reasonsPassed,
  };
}

function tally(items: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].map(([item, n]) => (n > 1 ? `${item} x${n}` : item)).join(', ') || 'none';
}

async function run(index: number): Promise<RunResult> {
  const dir = path.join(outDir, `run-${index}`);
  mkdirSync(dir, { recursive: true });
  const logFile = path.join(dir, 'output.log');
  const log = createWriteStream(logFile);
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [path.join(root, 'testsupport', 'jest', 'cli.ts'), ...selection, '--reports-dir', dir, ...patterns],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CHART_TESTWARE_NAMESPACE: `${baseNamespace}-flake${index}` },
    },
  );
  current = child;
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exitCode = await new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? 1)));
  await new Promise<void>((resolve) => log.end(resolve));
  return readResult(dir, readFileSync(logFile, 'utf8'), exitCode, (performance.now() - started) / 1000);
}

console.log(
  `bench:flake: ${runs} run(s) of ${selection.map((arg) => (arg.includes(' ') ? `"${arg}"` : arg)).join(' ')}${patterns.length > 0 ? ` ${patterns.join(' ')}` : ''} with ${burnerCount} CPU-bound process(es) beside it (PIDs ${burners.map((b) => b.pid).join(', ') || 'none'}); output in ${path.relative(root, outDir)}`,
);
const results: RunResult[] = [];
for (let index = 1; index <= runs; index++) {
  const result = await run(index);
  results.push(result);
  console.log(
    `  run ${index}: ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped of ${result.tests} in ${Math.round(result.seconds)} s (exit ${result.exitCode}); fail-fasts that failed a test: ${tally(result.falseFailFasts)}; waits that turned ready past a not-final reason: ${tally(result.reasonsPassed)}`,
  );
}
stopBurners();
const falseFailFasts = results.flatMap((result) => result.falseFailFasts);
console.log(
  `runs: ${results.length}, green: ${results.filter((result) => result.exitCode === 0 && result.failed === 0).length}, failed tests: ${results.reduce((sum, result) => sum + result.failed, 0)}`,
);
console.log(`false fail-fasts: ${falseFailFasts.length}`);
process.exit(results.every((result) => result.exitCode === 0) && falseFailFasts.length === 0 ? 0 : 1);
