import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SecretRedactor } from '../record/secret-redaction.ts';
import { eventsDir } from './events-files.ts';
import { appendRun, historyFile, historyLength, readHistory } from './history.ts';
import { renderHtmlReport } from './html-report.ts';
import { buildRunReport, type RunReport, type RunReportInput, runOutcomes } from './run-report.ts';

/**
 * Called by the runner before Jest starts: checks the history settings (a bad one is a usage error now, not a lost
 * report later) and removes the events of an earlier run in the same reports folder.
 */
export function startRunReport(reportsDir: string): void {
  historyLength();
  readHistory(historyFile(reportsDir));
  rmSync(eventsDir(reportsDir), { recursive: true, force: true });
}

/** writeRunReport for the runner's end (normal or interrupted): prints where the report is, never throws. */
export function finishRunReport(input: RunReportInput): void {
  try {
    const html = writeRunReport(input);
    console.log(`chart-testware: report ${path.relative(process.cwd(), html) || html}`);
  } catch (error) {
    console.error(`chart-testware: writing the run report failed: ${(error as Error).message}`);
  }
}

/**
 * Writes the run report at the end of a run — also an interrupted one (the signal path calls this too):
 * index.html, run.json (what `npm run report` re-renders from), inventory.json, and this run's outcomes appended to
 * the history (not for an interrupted run: its outcomes are partial). Returns the path of index.html.
 */
export function writeRunReport(input: RunReportInput): string {
  const file = historyFile(input.reportsDir);
  const length = historyLength();
  const history = input.interrupted ? readHistory(file) : appendRun(file, input.runId, runOutcomes(input));
  const report = buildRunReport(input, history, length);
  return writeReportFiles(input.reportsDir, report);
}

export function writeReportFiles(reportsDir: string, report: RunReport): string {
  mkdirSync(reportsDir, { recursive: true });
  const redactor = new SecretRedactor();
  const inventory = {
    runId: report.runId,
    generatedAt: report.generatedAt,
    kubernetesVersion: report.versions.kubernetes ?? null,
    helmVersion: report.versions.helm ?? null,
    cluster: report.versions.cluster ?? null,
    releases: report.inventory,
  };
  writeFileSync(path.join(reportsDir, 'inventory.json'), redactor.text(`${JSON.stringify(inventory, null, 2)}\n`));
  writeFileSync(path.join(reportsDir, 'run.json'), `${JSON.stringify(report)}\n`);
  const html = path.join(reportsDir, 'index.html');
  writeFileSync(html, renderHtmlReport(report));
  return html;
}
