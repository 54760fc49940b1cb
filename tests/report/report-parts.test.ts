import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { valuesDigest } from '../../testsupport/cluster/inventory.ts';
import { currentTest, mark, step } from '../../testsupport/index.ts';
import { everyFewSeconds, shortProgress } from '../../testsupport/kube/progress.ts';
import { learnSecrets, record } from '../../testsupport/record/recorder.ts';
import {
  appendRun,
  flips,
  historyLength,
  outcomesOf,
  readHistory,
  readyToLeaveQuarantine,
} from '../../testsupport/report/history.ts';
import { renderHtmlReport } from '../../testsupport/report/html-report.ts';
import type { RunReport } from '../../testsupport/report/run-report.ts';

mark('no_deploy').describe('run report parts', () => {
  test('the history keeps runs in order and answers "ready to leave quarantine" and "flaky"', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'ct-history-')), 'nested', 'history.json');
    appendRun(file, 'run-1', { a: 'failed', b: 'passed' });
    appendRun(file, 'run-2', { a: 'passed', b: 'passed' });
    appendRun(file, 'run-3', { a: 'passed' });
    appendRun(file, 'run-3', { a: 'passed', b: 'failed' }); // the same run again replaces it
    const history = readHistory(file);
    expect(history.runs.map((run) => run.runId)).toEqual(['run-1', 'run-2', 'run-3']);
    expect(outcomesOf(history, 'a', 5)).toEqual(['failed', 'passed', 'passed']);
    expect(outcomesOf(history, 'a', 2)).toEqual(['passed', 'passed']);
    expect(readyToLeaveQuarantine(outcomesOf(history, 'a', 2), 2)).toBe(true);
    expect(readyToLeaveQuarantine(outcomesOf(history, 'a', 5), 5)).toBe(false); // only 3 runs so far
    expect(flips(outcomesOf(history, 'b', 5))).toBe(true);
    expect(flips(outcomesOf(history, 'a', 2))).toBe(false);
  });

  test('a bad history setting or file is an error that names it', () => {
    expect(() => historyLength({ CHART_TESTWARE_HISTORY_LENGTH: 'five' })).toThrow(
      /CHART_TESTWARE_HISTORY_LENGTH="five"/,
    );
    expect(historyLength({})).toBe(5);
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'ct-history-')), 'history.json');
    writeFileSync(file, '{ not json');
    expect(() => readHistory(file)).toThrow(new RegExp(`history file ${file} is not JSON`));
    writeFileSync(file, '{"runs": 3}');
    expect(() => readHistory(file)).toThrow(/has no "runs" list/);
  });

  test('events are written to the test own events file, with secrets redacted', async () => {
    const secret = 'hunter2-very-secret';
    record({ kind: 'exec', lane: 'pod ci/x', label: 'exec mysql', detail: `mysql --password=${secret} -e 'select 1'` });
    step('a labelled phase');
    expect(await step('a phase with an end', async () => 42)).toBe(42);
    const file = currentTest()?.eventsFile ?? '';
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ fullName: currentTest()?.fullName });
    const events = lines.slice(1).map((line) => JSON.parse(line) as { kind: string; label: string; detail?: string });
    expect(events.map((event) => event.label)).toEqual(['exec mysql', 'a labelled phase', 'a phase with an end']);
    expect(events[0]?.detail).toBe("mysql --password=*** -e 'select 1'");
    expect(readFileSync(file, 'utf8')).not.toContain(secret);
  });

  test('secret values given to helm are blanked in every later event, wherever they show up', () => {
    const secret = 'Zq7-not-a-key-name-but-secret';
    learnSecrets({ database: { password: secret }, replicas: 2 });
    record({ kind: 'exec', lane: 'Pod ci/db-0', label: `exec mysql -p${secret}`, outcome: 'ok' });
    const text = readFileSync(currentTest()?.eventsFile ?? '', 'utf8');
    expect(text).toContain('exec mysql -p***');
    expect(text).not.toContain(secret);
  });

  test('the values digest changes with the values and never contains them', () => {
    const digest = valuesDigest({ b: 1, a: { password: 'swordfish' } });
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(valuesDigest({ a: { password: 'swordfish' }, b: 1 })).toBe(digest); // key order does not matter
    expect(valuesDigest({ b: 2, a: { password: 'swordfish' } })).not.toBe(digest);
  });

  test('the HTML is self-contained and no test name can break out of its data', () => {
    const evil = '</script><script>alert(1)</script>';
    const report: RunReport = {
      version: 1,
      runId: 'r',
      generatedAt: '2026-01-01T00:00:00Z',
      durationMs: 1,
      interrupted: false,
      counts: { passed: 1, failed: 0, quarantined: 0, skipped: 0, deselected: 0 },
      versions: {},
      inventory: [],
      suiteErrors: [],
      historyLength: 5,
      tests: [
        {
          file: 'x.test.ts',
          name: evil,
          status: 'passed',
          markers: [],
          durationMs: 1,
          events: [],
          history: [],
          readyToLeaveQuarantine: false,
          flaky: false,
        },
      ],
    };
    const html = renderHtmlReport(report);
    expect(html).not.toContain(evil);
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html).not.toMatch(/(src|href)=["']?https?:/);
  });

  test('a wait prints one short line per release and change, not the whole list every few seconds', async () => {
    const long =
      'waiting for release tango-base-1a2b in ci-h: 6/10 ready; not ready: StatefulSet ci-h/databaseds ' +
      '(init register-device running; pod databaseds-0: PodInitializing); Deployment ci-h/tangotest (0/1 available); ' +
      'Service ci-h/db (no ready endpoint)';
    expect(shortProgress(long)).toBe(
      'tango-base-1a2b: 6/10 ready, waiting on StatefulSet databaseds (init register-device running; pod databaseds-0: PodInitializing) +2 more',
    );
    expect(shortProgress(`not a wait line ${'x'.repeat(300)}\nsecond line`)).toHaveLength(160);
    // a server that does not answer is kept whole, cause included
    const silent = `${long}; the API server does not answer (connect ECONNREFUSED 127.0.0.1:6443 (${'x'.repeat(90)})), retrying`;
    expect(shortProgress(silent)).toBe(
      `tango-base-1a2b: 6/10 ready, waiting on StatefulSet databaseds (init register-device running; pod databaseds-0: PodInitializing) +2 more; the API server does not answer (connect ECONNREFUSED 127.0.0.1:6443 (${'x'.repeat(90)})), retrying`,
    );

    const printed: string[] = [];
    let state = long;
    let calls = 0;
    const progress = everyFewSeconds(
      (line) => printed.push(line),
      5,
      () => {
        calls++;
        if (calls === 6) state = long.replace('6/10', '7/10');
        return state;
      },
    );
    while (calls < 12) await new Promise((resolve) => setTimeout(resolve, 5));
    progress[Symbol.dispose]();
    expect(printed.map((line) => line.replace(/ \(\d+s\)$/, '').slice(0, 21))).toEqual([
      'tango-base-1a2b: 6/10',
      'tango-base-1a2b: 7/10',
    ]);
  });
});
