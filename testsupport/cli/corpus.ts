#!/usr/bin/env node
// Renders every chart under the folders given, with default values, and prints one line per chart and a summary:
// `npm run corpus -- <folder>... [--json]`. For chart owners: what chart-testware makes of a whole repository.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { chartDirsUnder } from '../helm/chart-dirs.ts';
import { readChartMetadata } from '../helm/chart-files.ts';
import { HelmChart } from '../helm/helm-chart.ts';
import { evaluateChartPolicy } from '../policy/policy-evaluation.ts';
import { argsOrUsage, parseCliArgs, usageExit } from './cli-args.ts';

const usage = `usage: npm run corpus -- <folder>... [--json] [--no-policy]

Renders every chart (a folder with Chart.yaml; subcharts under charts/ belong to their parent) found under the
folders given, with its default values, and prints per chart: renders or not (and why), documents, kinds,
duplicate keys, documents that are not YAML, policy findings (errors/warnings/info) and render time.
Charts whose dependencies are all local (file://) get them built into the cache first.

exit codes: 0 ran (whatever the charts did), 2 bad input`;

interface ChartLine {
  readonly chart: string;
  readonly name: string;
  readonly renders: boolean;
  readonly reason?: string;
  readonly documents: number;
  readonly kinds: Record<string, number>;
  readonly duplicateKeys: number;
  readonly brokenDocuments: number;
  readonly findings?: { error: number; warning: number; info: number; notEvaluated: number };
  readonly renderMs: number;
}

async function main(argv: string[]): Promise<number> {
  const parsed = argsOrUsage('corpus', usage, () => parse(argv));
  if (!parsed) return usageExit;
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (positionals.length === 0) {
    console.error(`corpus: name at least one folder of charts\n\n${usage}`);
    return 2;
  }
  const charts: string[] = [];
  for (const given of positionals) {
    if (!existsSync(given) || !statSync(given).isDirectory()) {
      console.error(`corpus: ${given} is not a directory (relative paths start at ${process.cwd()})`);
      return 2;
    }
    const found = chartDirsUnder(given, 6);
    if (found.length === 0) console.error(`corpus: no chart (a folder with Chart.yaml) in or under ${given}`);
    charts.push(...found);
  }
  if (charts.length === 0) return 2;

  const lines: ChartLine[] = [];
  const started = performance.now();
  for (const chart of charts) {
    const line = await survey(chart, !values['no-policy']);
    lines.push(line);
    if (!values.json) console.log(format(line));
  }
  const summary = summarise(lines, performance.now() - started);
  if (values.json) console.log(JSON.stringify({ charts: lines, summary }, null, 2));
  else console.log(`\n${summary.text}`);
  return 0;
}

async function survey(chart: string, withPolicy: boolean): Promise<ChartLine> {
  let name = path.basename(chart);
  const empty = { chart, documents: 0, kinds: {}, duplicateKeys: 0, brokenDocuments: 0 };
  const started = performance.now();
  try {
    const metadata = readChartMetadata(chart, chart);
    name = metadata.name;
    const localDependencies =
      (metadata.dependencies ?? []).length > 0 &&
      (metadata.dependencies ?? []).every((dependency) => dependency.repository?.startsWith('file://'));
    const rendered = await HelmChart.render(chart, { cache: false, dependencyBuild: localDependencies });
    const renderMs = performance.now() - started;
    const kinds: Record<string, number> = {};
    for (const doc of rendered.documents) {
      const kind = doc.object.kind ?? '(no kind)';
      kinds[kind] = (kinds[kind] ?? 0) + 1;
    }
    let findings: ChartLine['findings'];
    if (withPolicy) {
      // the copy with its local dependencies built, when there is one
      const report = await evaluateChartPolicy(rendered.directory);
      findings = { error: 0, warning: 0, info: 0, notEvaluated: 0 };
      for (const result of report.results) {
        if (result.status === 'not-evaluated' || result.status === 'crashed') findings.notEvaluated++;
        findings[result.check.severity] += result.findings.length;
      }
    }
    return {
      ...empty,
      name,
      renders: true,
      documents: rendered.documents.length,
      kinds,
      duplicateKeys: rendered.duplicateKeys.length,
      brokenDocuments: rendered.brokenDocuments.length,
      findings,
      renderMs,
    };
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? String(error);
    return { ...empty, name, renders: false, reason: message, renderMs: performance.now() - started };
  }
}

function format(line: ChartLine): string {
  const time = `${(line.renderMs / 1000).toFixed(2)}s`;
  if (!line.renders) return `FAIL ${line.name} (${line.chart}) ${time}: ${line.reason}`;
  const kinds = Object.entries(line.kinds)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, count]) => `${kind}:${count}`)
    .join(',');
  const findings = line.findings
    ? ` findings=${line.findings.error}E/${line.findings.warning}W/${line.findings.info}I${line.findings.notEvaluated ? ` (${line.findings.notEvaluated} checks not evaluated)` : ''}`
    : '';
  return `OK   ${line.name} (${line.chart}) ${time} docs=${line.documents} kinds=${kinds || '-'} duplicate-keys=${line.duplicateKeys} not-yaml=${line.brokenDocuments}${findings}`;
}

function summarise(lines: readonly ChartLine[], totalMs: number) {
  const rendered = lines.filter((line) => line.renders);
  const reasons = new Map<string, number>();
  for (const line of lines.filter((candidate) => !candidate.renders)) {
    const reason = classify(line.reason ?? '');
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  const sum = (pick: (line: ChartLine) => number) => lines.reduce((total, line) => total + pick(line), 0);
  const summary = {
    charts: lines.length,
    rendered: rendered.length,
    failed: lines.length - rendered.length,
    failures: Object.fromEntries(reasons),
    documents: sum((line) => line.documents),
    duplicateKeys: sum((line) => line.duplicateKeys),
    chartsWithDuplicateKeys: lines.filter((line) => line.duplicateKeys > 0).length,
    brokenDocuments: sum((line) => line.brokenDocuments),
    policyErrors: sum((line) => line.findings?.error ?? 0),
    policyWarnings: sum((line) => line.findings?.warning ?? 0),
    seconds: Number((totalMs / 1000).toFixed(1)),
  };
  const failures = [...reasons].map(([reason, count]) => `${count} ${reason}`).join(', ');
  const text =
    `corpus: ${summary.charts} chart(s), ${summary.rendered} rendered, ${summary.failed} did not${failures ? ` (${failures})` : ''}; ` +
    `${summary.documents} documents; ${summary.duplicateKeys} duplicate key(s) in ${summary.chartsWithDuplicateKeys} chart(s); ` +
    `${summary.brokenDocuments} document(s) not YAML; policy findings ${summary.policyErrors} error(s), ${summary.policyWarnings} warning(s); ${summary.seconds} s`;
  return { ...summary, text };
}

function classify(reason: string): string {
  if (/library chart/i.test(reason)) return 'library chart';
  if (/dependenc/i.test(reason)) return 'dependencies not built';
  if (/required|fail|nil pointer|execution error/i.test(reason)) return 'needs values';
  if (/Chart\.yaml/i.test(reason)) return 'Chart.yaml';
  if (/kube ?version|Capabilities/i.test(reason)) return 'kubeVersion';
  return 'other';
}

function parse(argv: string[]) {
  return parseCliArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      'no-policy': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

process.exitCode = await main(process.argv.slice(2));
