import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { currentTest, mark } from '../../testsupport/index.ts';
import type { RunReport } from '../../testsupport/report/run-report.ts';
import { diagnosticsFiles, filesUnder } from '../chart-deploy/fixtures.ts';
import { HeadlessChromium } from '../support/headless-chromium.ts';
import { projectRoot, startRunner } from '../support/runner-process.ts';

// Two real runs of tests/report/fixtures/report-run.test.ts sharing one history file: the first with the cluster
// (a chart that becomes ready, a beforeAll install that never does, a quarantined failure), the second without it
// and with the quarantined test passing. Every test below reads what those runs left.
const fixture = path.join('tests', 'report', 'fixtures', 'report-run.test.ts');
const afterAllFixture = path.join('tests', 'report', 'fixtures', 'after-all-install.test.ts');
const password = `pw-${randomBytes(8).toString('hex')}`;
const work = mkdtempSync(path.join(os.tmpdir(), 'ct-report-'));
const first = path.join(work, 'first');
const second = path.join(work, 'second');
const history = path.join(work, 'history.json');
let firstRun: { exitCode?: number; all?: string };
let secondRun: { exitCode?: number; all?: string };

function readReport(dir: string): RunReport {
  return JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunReport;
}

function testNamed(report: RunReport, name: string) {
  const found = report.tests.find((t) => t.name.endsWith(name));
  if (!found) throw new Error(`no test "${name}" in the report: ${report.tests.map((t) => t.name).join(', ')}`);
  return found;
}

mark('chart_deploy').describe('the run report of a real run', () => {
  beforeAll(async () => {
    const env = {
      CT_FIXTURE_PASSWORD: password,
      CHART_TESTWARE_HISTORY_FILE: history,
      CT_FIXTURE_WAIT_MS: '15000',
    };
    firstRun = await startRunner(
      [
        '--marker',
        'no_deploy or chart_deploy',
        '--test-namespace',
        `ct-report-${randomBytes(3).toString('hex')}`,
        fixture,
        afterAllFixture,
        '--testPathIgnorePatterns',
        '/node_modules/',
      ],
      { ...env, CHART_TESTWARE_REPORTS_DIR: first },
    );
    secondRun = await startRunner(['--marker', 'no_deploy', fixture, '--testPathIgnorePatterns', '/node_modules/'], {
      ...env,
      CHART_TESTWARE_REPORTS_DIR: second,
      CT_FIXTURE_QUARANTINE_PASSES: 'true',
    });
  }, 600_000);

  test('the runs end as their tests did, and each writes index.html, run.json and inventory.json', () => {
    expect({ exitCode: firstRun.exitCode, tail: firstRun.all?.slice(-1500) }).toMatchObject({ exitCode: 1 });
    expect({ exitCode: secondRun.exitCode, tail: secondRun.all?.slice(-1500) }).toMatchObject({ exitCode: 0 });
    for (const dir of [first, second]) {
      for (const file of ['index.html', 'run.json', 'inventory.json', 'junit.xml']) {
        expect(existsSync(path.join(dir, file)) ? file : `${file} missing in ${dir}`).toBe(file);
      }
    }
  });

  test('an install that fails in beforeAll saves its diagnostics, and both tests that fail because of it link to them', () => {
    const junit = readFileSync(path.join(first, 'junit.xml'), 'utf8');
    const attachmentOf = (name: string) => {
      const testcase = new RegExp(`<testcase [^>]*name="${name}"[^>]*>(.*?)</testcase>`, 's').exec(junit)?.[1] ?? '';
      return /\[\[ATTACHMENT\|([^\]]+)\]\]/.exec(testcase)?.[1];
    };
    const firstLink = attachmentOf('first test using the fixture');
    const secondLink = attachmentOf('second test using the fixture');
    expect(firstLink).toMatch(/beforeAll_a_fixture_that_never_becomes_ready$/);
    expect(secondLink).toBe(firstLink);
    const dir = path.resolve(projectRoot, firstLink ?? '');
    const files = filesUnder(dir).map((file) => path.relative(dir, file));
    expect(files).toEqual(expect.arrayContaining(diagnosticsFiles));
    expect(readFileSync(path.join(dir, 'not-ready.yaml'), 'utf8')).toContain('never-ready');
    // the report links the same folder from both tests, with the failure reason
    const report = readReport(first);
    for (const name of ['first test using the fixture', 'second test using the fixture']) {
      const t = testNamed(report, name);
      expect(t.status).toBe('failed');
      expect(t.artifacts && path.resolve(first, t.artifacts)).toBe(dir);
      expect(t.failure).toMatch(/never-ready|not ready|timed out/i);
    }
  });

  test('an install that fails in afterAll saves its diagnostics, listed with the file that failed outside its tests', () => {
    const report = readReport(first);
    const error = report.suiteErrors.find((e) => e.file === afterAllFixture);
    expect(error?.artifacts).toMatch(/afterAll_an_afterAll_that_installs$/);
    const files = filesUnder(path.resolve(first, error?.artifacts ?? '')).map((file) => path.basename(file));
    expect(files).toEqual(expect.arrayContaining(diagnosticsFiles));
    // JUnit links it from the file's "(test file)" case
    const junit = readFileSync(path.join(first, 'junit.xml'), 'utf8');
    const testcase = /<testcase [^>]*name="\(test file\)"[^>]*>(.*?)<\/testcase>/s.exec(junit)?.[1] ?? '';
    const link = /\[\[ATTACHMENT\|([^\]]+)\]\]/.exec(testcase)?.[1] ?? '';
    expect(path.resolve(projectRoot, link)).toBe(path.resolve(first, error?.artifacts ?? 'none'));
  });

  test('a chart_deploy test has its helm install, readiness transitions, exec and steps on its timeline', () => {
    const t = testNamed(readReport(first), 'slow-ready answers');
    expect(t.status).toBe('passed');
    const install = t.events.find((e) => e.kind === 'helm' && e.label === 'helm install');
    expect(install).toMatchObject({ outcome: 'ok', lane: expect.stringMatching(/^release slow-ready-/) });
    expect(install?.durationMs).toBeGreaterThan(0);
    const deployment = t.events.filter((e) => e.kind === 'ready' && e.lane.startsWith('Deployment '));
    expect(deployment.map((e) => e.outcome)).toEqual(expect.arrayContaining(['pending', 'ready']));
    expect(deployment.at(-1)?.outcome).toBe('ready');
    expect(t.events.some((e) => e.kind === 'exec' && e.outcome === 'ok')).toBe(true);
    expect(t.events.filter((e) => e.kind === 'step').map((e) => e.label)).toEqual([
      'install slow-ready',
      'exec in its pod',
    ]);
    expect(t.events.some((e) => e.kind === 'event')).toBe(true);
    expect(t.events.some((e) => e.kind === 'helm' && e.label === 'helm uninstall')).toBe(true);
  });

  test('inventory.json lists the release: chart, version, values digest and the digest of each image the node ran', () => {
    const inventory = JSON.parse(readFileSync(path.join(first, 'inventory.json'), 'utf8')) as {
      kubernetesVersion: string;
      helmVersion: string;
      releases: RunReport['inventory'];
    };
    expect(inventory.kubernetesVersion).toMatch(/^v\d+\.\d+/);
    expect(inventory.helmVersion).toMatch(/^v\d+\.\d+/);
    const release = inventory.releases.find((r) => r.chartName === 'slow-ready');
    expect(release).toMatchObject({ chartVersion: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(release?.valuesDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(release?.images.length).toBeGreaterThan(0);
    for (const image of release?.images ?? []) expect(image.imageID).toMatch(/sha256:[0-9a-f]{64}/);
    // and in JUnit, as properties of the test that installed it
    const junit = readFileSync(path.join(first, 'junit.xml'), 'utf8');
    const testcase = /<testcase [^>]*name="slow-ready answers"[^>]*>(.*?)<\/testcase>/s.exec(junit)?.[1] ?? '';
    expect(testcase).toContain(`<property name="release" value="${release?.namespace}/${release?.release} `);
    expect(testcase).toMatch(/<property name="image" value="[^"]+@[^"]*sha256:[0-9a-f]{64}"\/>/);
  });

  test('no secret from the values reaches any file of the reports folder or the history', () => {
    const files = [...filesUnder(first), ...filesUnder(second), history];
    expect(files.length).toBeGreaterThan(5);
    const leaks = files.filter((file) => readFileSync(file, 'utf8').includes(password));
    expect(leaks).toEqual([]);
  });

  test('the history keeps both runs: the flipping quarantined test shows failed then passed', async () => {
    const quarantined = testNamed(readReport(second), 'a quarantined test that fails');
    expect(quarantined.history).toEqual(['failed', 'passed']);
    expect(quarantined.readyToLeaveQuarantine).toBe(false);
    // npm run report re-renders the first run's report with the history as it is now
    const rerender = await execa(
      process.execPath,
      [path.join(projectRoot, 'testsupport', 'cli', 'report.ts'), '--reports-dir', first, '--history', history],
      { reject: false, all: true },
    );
    expect({ exitCode: rerender.exitCode, all: rerender.all }).toMatchObject({ exitCode: 0 });
    expect(testNamed(readReport(first), 'a quarantined test that fails').history).toEqual(['failed', 'passed']);
    const missing = await execa(
      process.execPath,
      [path.join(projectRoot, 'testsupport', 'cli', 'report.ts'), '--reports-dir', path.join(work, 'nothing-here')],
      { reject: false, all: true },
    );
    expect(missing.exitCode).toBe(4);
    expect(missing.all).toContain('--reports-dir');
  });

  test('the report opens in headless Chromium with no network: counts, failure reason, timeline and filters', async () => {
    await using browser = await HeadlessChromium.launch();
    await browser.open(path.join(first, 'index.html'));
    const count = (status: string) =>
      browser.evaluate<string>(`document.querySelector('[data-count="${status}"]').textContent`);
    // the fixtures: 4 passed (slow-ready, no_deploy, quarantined pass, the afterAll file's test), 2 failed
    // (beforeAll), 1 quarantined failure
    expect({
      passed: await count('passed'),
      failed: await count('failed'),
      quarantined: await count('quarantined'),
      deselected: await count('deselected'),
    }).toEqual({ passed: '4', failed: '2', quarantined: '1', deselected: '1' });
    const visibleRows = () =>
      browser.evaluate<string[]>(
        `[...document.querySelectorAll('#tests tr.test')].filter(r => !r.hidden).map(r => r.dataset.status)`,
      );
    expect((await visibleRows()).sort()).toEqual([
      'failed',
      'failed',
      'passed',
      'passed',
      'passed',
      'passed',
      'quarantined',
    ]);

    // two clicks to a failure's reason: the "failed" card, then the row
    await browser.evaluate(`document.querySelector('.card[data-status="failed"]').click()`);
    expect(await visibleRows()).toEqual(['failed', 'failed']);
    await browser.evaluate(`document.querySelector('#tests tr.test:not([hidden])').click()`);
    const reason = await browser.evaluate<string>(
      `document.querySelector('#tests tr.test:not([hidden]) + tr.detail pre.failure').innerText`,
    );
    expect(reason).toMatch(/never-ready|not ready|timed out/i);
    expect(await browser.evaluate<number>(`document.querySelectorAll('tr.detail .links a').length`)).toBeGreaterThan(3);

    // a quarantined failure looks different from a real one
    await browser.evaluate(
      `(() => { const s = document.getElementById('filter-status'); s.value = 'quarantined'; s.dispatchEvent(new Event('change')); })()`,
    );
    expect(await visibleRows()).toEqual(['quarantined']);
    const colours = await browser.evaluate<string[]>(
      `['failed', 'quarantined'].map(s => getComputedStyle(document.querySelector('.badge.' + s)).backgroundImage + getComputedStyle(document.querySelector('.badge.' + s)).backgroundColor)`,
    );
    expect(colours[0]).not.toBe(colours[1]);

    // marker filter, name search, then the chart_deploy test's timeline
    await browser.evaluate(
      `(() => { const s = document.getElementById('filter-status'); s.value = 'passed'; s.dispatchEvent(new Event('change'));
        const m = document.getElementById('filter-marker'); m.value = 'chart_deploy'; m.dispatchEvent(new Event('change')); })()`,
    );
    expect(await visibleRows()).toEqual(['passed', 'passed']);
    await browser.evaluate(
      `(() => { const t = document.getElementById('filter-text'); t.value = 'slow-ready'; t.dispatchEvent(new Event('input')); })()`,
    );
    expect(await visibleRows()).toEqual(['passed']);
    await browser.evaluate(`document.querySelector('#tests tr.test:not([hidden])').click()`);
    const timeline = await browser.evaluate<{ helm: string[]; ready: string[]; lanes: number }>(`(() => {
      const t = document.querySelector('#tests tr.test:not([hidden]) + tr.detail .timeline');
      return {
        helm: [...t.querySelectorAll('.bar[data-kind="helm"]')].map(b => b.textContent),
        ready: [...t.querySelectorAll('.mark[data-kind="ready"]')].map(m => m.dataset.outcome),
        lanes: Number(t.dataset.lanes),
      };
    })()`);
    expect(timeline.helm).toEqual(expect.arrayContaining(['helm install']));
    expect(timeline.ready).toEqual(expect.arrayContaining(['pending', 'ready']));
    expect(timeline.lanes).toBeGreaterThanOrEqual(3);
    expect(browser.networkRequests).toEqual([]);

    const shot = await browser.screenshot();
    const dir = currentTest()?.artifactsDir ?? path.join(work, 'artifacts');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'report.png'), shot);
    expect(shot.subarray(1, 4).toString()).toBe('PNG');
  }, 180_000);
});
