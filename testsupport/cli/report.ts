#!/usr/bin/env node
// `npm run report -- [--reports-dir DIR] [--history FILE]`: re-renders DIR/index.html from DIR/run.json (written by
// every run) with the quarantine history of FILE, e.g. after restoring a history cached by CI.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ChartTestwareError, ConfigError } from '../errors.ts';
import { historyFile, historyLength, readHistory } from '../report/history.ts';
import { type RunReport, withHistory } from '../report/run-report.ts';
import { writeReportFiles } from '../report/write-run-report.ts';

const usage = `usage: npm run report -- [--reports-dir DIR] [--history FILE]
  --reports-dir DIR  the reports folder of a run (default: CHART_TESTWARE_REPORTS_DIR or reports)
  --history FILE     the quarantine history (default: CHART_TESTWARE_HISTORY_FILE or DIR/history.json)`;

function main(): number {
  let values: { 'reports-dir'?: string; history?: string; help?: boolean };
  try {
    values = parseArgs({
      options: {
        'reports-dir': { type: 'string' },
        history: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    throw new ConfigError((error as Error).message, { hint: usage });
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const given = values['reports-dir'] ?? process.env.CHART_TESTWARE_REPORTS_DIR?.trim() ?? 'reports';
  const reportsDir = path.resolve(given || 'reports');
  const runFile = path.join(reportsDir, 'run.json');
  if (!existsSync(runFile)) {
    throw new ConfigError(`--reports-dir ${given}: there is no run.json in ${reportsDir}`, {
      hint: 'point --reports-dir at the reports folder of a run (every run since the report exists writes run.json)',
    });
  }
  if (values.history !== undefined && !existsSync(values.history)) {
    throw new ConfigError(`--history ${values.history}: no such file`, {
      hint: 'give the history.json a run wrote (CHART_TESTWARE_HISTORY_FILE), or leave --history out',
    });
  }
  const history = readHistory(values.history ? path.resolve(values.history) : historyFile(reportsDir));
  const report = withHistory(JSON.parse(readFileSync(runFile, 'utf8')) as RunReport, history, historyLength());
  const html = writeReportFiles(reportsDir, report);
  console.log(`chart-testware: report ${html}`);
  return 0;
}

try {
  process.exitCode = main();
} catch (error) {
  console.error(`chart-testware: ${error instanceof ChartTestwareError ? error.message : (error as Error).stack}`);
  process.exitCode = error instanceof ChartTestwareError ? 4 : 1;
}
