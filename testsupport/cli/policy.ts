#!/usr/bin/env node
// Chart policy checks from the command line: `npm run policy -- <chart-or-folder...> [--values file] [--fail-on warning]`.
// Prints a table per chart (each finding with object, template and fix); exit 0 clean, 1 findings, 2 bad input.
import { existsSync, statSync } from 'node:fs';
import { ChartTestwareError } from '../errors.ts';
import { chartDirsUnder } from '../helm/chart-dirs.ts';
import { policyCatalogue } from '../policy/catalogue.ts';
import { PolicyInputError } from '../policy/policy-errors.ts';
import { evaluateChartPolicy, type FailOn, type PolicyReport } from '../policy/policy-evaluation.ts';
import { formatReportTable } from '../policy/policy-format.ts';
import { argsOrUsage, parseCliArgs, usageExit } from './cli-args.ts';

const usage = `usage: npm run policy -- <chart-dir | folder-of-charts>... [options]

Checks each chart against the container-orchestration guidelines (${policyCatalogue.length} checks; see docs/policy.md).

options:
  --values <file>     values file for every render (repeatable), e.g. what the chart needs to render at all
  --fail-on <level>   error (default) or warning: which findings make the exit code 1
  --kube-version <v>  .Capabilities.KubeVersion for the renders (for charts with a kubeVersion constraint)
  --json              print the reports as JSON instead of tables
  --list              print the check catalogue and exit (with --markdown: as the table of docs/policy.md)
  -h, --help          this text

exit codes: 0 no failing finding, 1 failing findings (or a chart that does not render, or an unused waiver),
            2 bad input (no chart at a path, bad option, malformed waivers file)`;

async function main(argv: string[]): Promise<number> {
  const parsed = argsOrUsage('policy', usage, () => parse(argv));
  if (!parsed) return usageExit;
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (values.list) {
    for (const check of policyCatalogue) {
      console.log(
        values.markdown
          ? `| \`${check.id}\` | ${check.severity} | ${check.rule.replaceAll('|', '\\|')} | ${check.section} |`
          : `${check.id.padEnd(36)} ${check.severity.padEnd(8)} ${check.rule}  [${check.section}]`,
      );
    }
    return 0;
  }
  const kubeVersion = values['kube-version'];
  if (kubeVersion !== undefined && !/^v?\d+(\.\d+){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(kubeVersion)) {
    console.error(
      `policy: --kube-version "${kubeVersion}" is not a Kubernetes version (e.g. 1.31 or v1.31.2)\n\n${usage}`,
    );
    return 2;
  }
  const failOn = values['fail-on'] ?? 'error';
  if (failOn !== 'error' && failOn !== 'warning') {
    console.error(`policy: --fail-on must be error or warning, not "${failOn}"`);
    return 2;
  }
  if (positionals.length === 0) {
    console.error(`policy: name at least one chart directory or folder of charts\n\n${usage}`);
    return 2;
  }
  let charts: string[];
  try {
    charts = positionals.flatMap((given) => findCharts(given));
    for (const file of values.values ?? []) {
      if (!existsSync(file)) throw new PolicyInputError(`values file ${file} does not exist`);
    }
  } catch (error) {
    console.error(`policy: ${(error as Error).message}`);
    return 2;
  }

  const reports: PolicyReport[] = [];
  for (const chart of charts) {
    try {
      const report = await evaluateChartPolicy(chart, {
        failOn: failOn as FailOn,
        valuesFiles: values.values,
        kubeVersion: values['kube-version'],
      });
      reports.push(report);
      if (!values.json) console.log(`${formatReportTable(report)}\n`);
    } catch (error) {
      if (error instanceof PolicyInputError) {
        console.error(`policy: ${error.message}`);
        return 2;
      }
      if (error instanceof ChartTestwareError) {
        console.error(`policy: ${chart}: ${error.message}`);
        return 1;
      }
      throw error;
    }
  }
  if (values.json) console.log(JSON.stringify(reports.map(toJson), null, 2));
  const failing = reports.filter((report) => report.failed);
  if (!values.json) {
    console.log(
      failing.length === 0
        ? `policy: ${reports.length} chart(s), none failing (fail-on ${failOn})`
        : `policy: ${failing.length} of ${reports.length} chart(s) failing (fail-on ${failOn}): ${failing.map((report) => report.chart.shownAs).join(', ')}`,
    );
  }
  return failing.length === 0 ? 0 : 1;
}

function parse(argv: string[]) {
  return parseCliArgs({
    args: argv,
    allowPositionals: true,
    options: {
      values: { type: 'string', multiple: true },
      'fail-on': { type: 'string' },
      'kube-version': { type: 'string' },
      json: { type: 'boolean' },
      list: { type: 'boolean' },
      markdown: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** A chart directory, or the charts in a folder (searched a few levels down, not inside charts). */
function findCharts(given: string): string[] {
  if (!existsSync(given) || !statSync(given).isDirectory()) {
    throw new PolicyInputError(`${given} is not a directory (relative paths start at ${process.cwd()})`);
  }
  const found = chartDirsUnder(given, 3);
  if (found.length === 0) throw new PolicyInputError(`no chart (a folder with Chart.yaml) in or under ${given}`);
  return found;
}

function toJson(report: PolicyReport): unknown {
  return {
    chart: report.chart,
    failed: report.failed,
    releaseName: report.releaseName,
    namespace: report.namespace,
    renders: report.renders.map((render) => ({
      name: render.name,
      ms: Math.round(render.durationMs),
      error: render.error?.message,
    })),
    results: report.results.map((result) => ({
      check: result.check.id,
      severity: result.check.severity,
      status: result.status,
      reason: result.reason,
      findings: result.findings,
      waived: result.waived.map(({ finding, waiver }) => ({ finding, reason: waiver.reason })),
    })),
    unusedWaivers: report.unusedWaivers,
  };
}

process.exitCode = await main(process.argv.slice(2));
