import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from '@jest/globals';
import { mark } from '../../testsupport/index.ts';
import { giveUp, waitUntil } from '../../testsupport/kube/wait-until.ts';
import type { RunReport } from '../../testsupport/report/run-report.ts';
import { startRunner } from '../support/runner-process.ts';

const fixture = path.join('tests', 'report', 'fixtures', 'report-run.test.ts');

mark('chart_deploy').test(
  'a run stopped with SIGINT still writes its report, marked interrupted, and adds nothing to the history',
  async () => {
    const reports = mkdtempSync(path.join(os.tmpdir(), 'ct-report-int-'));
    const history = path.join(reports, 'history.json');
    const run = startRunner(
      [
        '--marker',
        'chart_deploy',
        '--test-namespace',
        `ct-report-int-${randomBytes(3).toString('hex')}`,
        '-t',
        'never becomes ready',
        fixture,
        '--testPathIgnorePatterns',
        '/node_modules/',
      ],
      { CHART_TESTWARE_REPORTS_DIR: reports, CT_FIXTURE_WAIT_MS: '600000' },
    );
    let ended: string | undefined;
    run.then((result) => {
      ended = `exit ${result.exitCode}: ${result.all?.slice(-2000)}`;
    });
    // the beforeAll's helm install is on record: the run is in the middle of its readiness wait
    const events = path.join(reports, 'events', 'tests_report_fixtures_report-run.test.ts');
    await waitUntil(
      () => {
        if (ended) giveUp(`the run ended before it was interrupted: ${ended}`);
        return (
          existsSync(events) &&
          readdirSync(events).some((file) => readFileSync(path.join(events, file), 'utf8').includes('helm install'))
        );
      },
      { timeout: 180_000, interval: 250, description: 'the fixture to install its chart' },
    );
    run.kill('SIGINT');
    const result = await run;
    expect({ exitCode: result.exitCode, tail: result.all?.slice(-1500) }).toMatchObject({ exitCode: 130 });
    const report = JSON.parse(readFileSync(path.join(reports, 'run.json'), 'utf8')) as RunReport;
    expect(report.interrupted).toBe(true);
    expect(existsSync(path.join(reports, 'index.html'))).toBe(true);
    const fixtureTest = report.tests.find((t) => t.name.endsWith('first test using the fixture'));
    expect(fixtureTest?.events.some((e) => e.kind === 'helm' && e.label === 'helm install')).toBe(true);
    expect(existsSync(history)).toBe(false);
  },
  300_000,
);
