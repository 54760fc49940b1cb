// node bench/report.ts: a report of 600 tests (30 events each, 20 failed, 10 quarantined failures) rendered and
// opened in headless Chromium. Prints the file size, the render time, the time to the page's load event, and the
// times to filter the list and to open the timeline of a failed test.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HeadlessChromium } from '../tests/support/headless-chromium.ts';
import type { RunEvent } from '../testsupport/record/run-event.ts';
import type { ReportTest, RunReport } from '../testsupport/report/run-report.ts';
import { writeReportFiles } from '../testsupport/report/write-run-report.ts';

const count = Number(process.env.BENCH_TESTS ?? 600);
const start = Date.parse('2026-01-01T00:00:00Z');
const tests: ReportTest[] = Array.from({ length: count }, (_, i) => {
  const status = i % 30 === 0 ? 'failed' : i % 60 === 1 ? 'quarantined' : 'passed';
  const events: RunEvent[] = Array.from({ length: 30 }, (_, e) => ({
    at: start + i * 1000 + e * 200,
    kind: e % 3 === 0 ? 'helm' : e % 3 === 1 ? 'ready' : 'event',
    lane: e % 3 === 0 ? `release app-${i}` : `Deployment ci/app-${i}-${e % 4}`,
    label: e % 3 === 0 ? 'helm install' : 'pending: 0/1 replicas available',
    ...(e % 3 === 0 ? { durationMs: 900 } : {}),
    outcome: e % 3 === 1 ? 'pending' : 'ok',
    detail: 'x'.repeat(120),
  }));
  return {
    file: `tests/bench/file-${i % 40}.test.ts`,
    name: `suite ${i % 40} test number ${i}`,
    status,
    markers: i % 2 ? ['chart_deploy'] : ['no_deploy'],
    durationMs: 1000 + i,
    ...(status !== 'passed' ? { failure: `Error: failure ${i}\n${'  at somewhere\n'.repeat(20)}` } : {}),
    events,
    history: ['passed', 'failed', 'passed'],
    readyToLeaveQuarantine: false,
    flaky: i % 50 === 0,
  };
});
const report: RunReport = {
  version: 1,
  runId: 'bench',
  generatedAt: new Date().toISOString(),
  durationMs: 600_000,
  interrupted: false,
  counts: {
    passed: tests.filter((t) => t.status === 'passed').length,
    failed: tests.filter((t) => t.status === 'failed').length,
    quarantined: tests.filter((t) => t.status === 'quarantined').length,
    skipped: 0,
    deselected: 0,
  },
  versions: { kubernetes: 'v1.32.13', helm: 'v3' },
  inventory: [],
  suiteErrors: [],
  historyLength: 5,
  tests,
};

const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-report-'));
let t = performance.now();
const html = writeReportFiles(dir, report);
const renderMs = performance.now() - t;
await using browser = await HeadlessChromium.launch();
t = performance.now();
await browser.open(html);
const loadMs = performance.now() - t;
const rows = await browser.evaluate<number>(`document.querySelectorAll('#tests tr.test').length`);
const filterMs = await browser.evaluate<number>(`(() => { const t = performance.now();
  const s = document.getElementById('filter-status'); s.value = 'problems'; s.dispatchEvent(new Event('change'));
  return performance.now() - t; })()`);
const openMs = await browser.evaluate<number>(`(() => { const t = performance.now();
  document.querySelector('#tests tr.test:not([hidden])').click(); document.body.offsetHeight;
  return performance.now() - t; })()`);
console.log(`tests ${rows}, index.html ${(statSync(html).size / 1024 / 1024).toFixed(1)} MiB`);
console.log(`render ${renderMs.toFixed(0)} ms, page load ${loadMs.toFixed(0)} ms`);
console.log(`filter to failed+quarantined ${filterMs.toFixed(1)} ms, open a timeline ${openMs.toFixed(1)} ms`);
if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
else console.log(html);
