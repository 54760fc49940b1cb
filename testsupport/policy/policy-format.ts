import type { Finding } from './policy-check.ts';
import type { CheckResult, PolicyReport } from './policy-evaluation.ts';
import type { RenderOutcome } from './policy-renders.ts';
import { describeWaiver, type Waiver } from './waivers.ts';

/** "Deployment/web" or "(chart)". */
function formatObject(finding: Finding): string {
  return finding.object ? `${finding.object.kind}/${finding.object.name}` : '(chart)';
}

/** The findings of one check, one block per finding: object, template, message, fix. */
export function formatCheckResult(result: CheckResult): string {
  const { check } = result;
  const head = `${check.id} [${check.severity}]: ${check.rule} (guidelines: ${check.section})`;
  if (result.status === 'not-evaluated' || result.status === 'crashed') return `${head}\n  ${result.reason}`;
  const lines = [head, `  ${result.findings.length} finding(s):`];
  for (const finding of result.findings) {
    lines.push(
      `  - ${formatObject(finding)} in ${finding.template ?? '(chart)'}: ${finding.message}`,
      `      fix: ${finding.fix}`,
    );
  }
  if (result.waived.length > 0) lines.push(`  (${result.waived.length} more finding(s) waived)`);
  return lines.join('\n');
}

export function formatRenderFailure(render: RenderOutcome, chart: string): string {
  return [
    `cannot render chart ${chart} for "${render.name}" (${render.description}):`,
    `  ${(render.error?.message ?? '').split('\n').join('\n  ')}`,
    '  if the chart needs values to render, pass them: chartPolicyTests(dir, { values }) or `npm run policy -- dir --values file.yaml`',
  ].join('\n');
}

export function formatUnusedWaivers(waivers: readonly Waiver[]): string {
  return [
    `${waivers.length} waiver(s) match no finding (the problem is gone or the waiver is mistyped); remove or fix them:`,
    ...waivers.map((waiver) => `  - ${describeWaiver(waiver)}`),
  ].join('\n');
}

/** A plain-text table of every finding of a report (failing and printed ones), for the CLI. */
export function formatReportTable(report: PolicyReport): string {
  const lines: string[] = [];
  const counts = { failed: 0, reported: 0, passed: 0, waived: 0 };
  for (const result of report.results) {
    if (result.status === 'failed' || result.status === 'crashed') counts.failed++;
    else if (result.status === 'reported') counts.reported++;
    else if (result.status === 'passed') counts.passed++;
    counts.waived += result.waived.length;
  }
  lines.push(
    `chart ${report.chart.name} (${report.chart.shownAs}): ${report.results.length} checks, ${counts.passed} passed, ${counts.failed} failing, ${counts.reported} with warnings/info, ${counts.waived} finding(s) waived`,
  );
  for (const render of report.renders.filter((render) => render.error))
    lines.push(`  RENDER FAILED ${formatRenderFailure(render, report.chart.shownAs)}`);
  const rows: string[][] = [];
  const skipped = report.results.filter((result) => result.status === 'not-evaluated');
  if (skipped.length > 0) {
    lines.push(
      `  ${skipped.length} check(s) not evaluated because a render failed: ${skipped.map((result) => result.check.id).join(', ')}`,
    );
  }
  for (const result of report.results) {
    if (result.status === 'not-evaluated') continue;
    if (result.status === 'crashed') {
      rows.push(['CRASH', result.check.id, result.check.severity, '', '', (result.reason ?? '').split('\n')[0] ?? '']);
      continue;
    }
    for (const finding of result.findings) {
      rows.push([
        result.status === 'failed' ? 'FAIL' : result.check.severity === 'warning' ? 'WARN' : 'INFO',
        result.check.id,
        result.check.severity,
        formatObject(finding),
        finding.template ?? '',
        `${finding.message} -> fix: ${finding.fix}`,
      ]);
    }
  }
  for (const waiver of report.unusedWaivers)
    rows.push([
      'FAIL',
      'waivers',
      'error',
      waiver.object ?? '',
      waiver.template ?? '',
      `unused waiver: ${describeWaiver(waiver)}`,
    ]);
  if (rows.length > 0) lines.push(table([['', 'check', 'severity', 'object', 'template', 'finding and fix'], ...rows]));
  return lines.join('\n');
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) =>
    column === 5 ? 0 : Math.min(60, Math.max(...rows.map((row) => (row[column] ?? '').length))),
  );
  return rows
    .map((row) =>
      `  ${row.map((cell, column) => (column === 5 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ')}`.trimEnd(),
    )
    .join('\n');
}
