import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { mark } from '../../testsupport/index.ts';
import { waitUntil } from '../../testsupport/kube/wait-until.ts';
import { startRunner } from '../support/runner-process.ts';

const failing = path.join('tests', 'fixtures', 'runner', 'failing.fixture.ts');
const slow = path.join('tests', 'secrets', 'fixtures', 'slow-no-deploy.test.ts');
const runnerConfig = path.join('tests', 'fixtures', 'runner', 'jest.config.ts');

function scratchReports(): string {
  return path.join(mkdtempSync(path.join(os.tmpdir(), 'ct-run-state-')), 'reports');
}

mark('no_deploy').describe('the run state folder', () => {
  test('is deleted when a failing run ends; a killed run’s old folder goes too, a live one stays', async () => {
    const reportsDir = scratchReports();
    const stale = path.join(reportsDir, '.run', 'killed-run');
    const live = path.join(reportsDir, '.run', 'other-live-run');
    for (const dir of [stale, live]) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'tests-1.jsonl'), '{}\n');
    }
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600_000);
    utimesSync(path.join(stale, 'tests-1.jsonl'), twoDaysAgo, twoDaysAgo);
    utimesSync(stale, twoDaysAgo, twoDaysAgo);

    const run = await startRunner(
      [
        '--marker',
        'no_deploy',
        '--local-cluster',
        'never',
        '--reports-dir',
        reportsDir,
        '--config',
        runnerConfig,
        failing,
      ],
      { CI: 'true' },
    );
    expect({ exitCode: run.exitCode, output: run.all?.slice(-2000) }).toMatchObject({ exitCode: 1 });
    // the run did write its state (Jest says where), and the report that outlives it
    expect(run.all).toMatch(/Test results written to: .*\.run.*jest-results\.json/);
    expect(readFileSync(path.join(reportsDir, 'junit.xml'), 'utf8')).toContain('a broken no_deploy check');
    expect(readdirSync(path.join(reportsDir, '.run'))).toEqual(['other-live-run']);
  }, 120_000);

  test('is deleted after SIGINT', async () => {
    const reportsDir = scratchReports();
    const ready = path.join(path.dirname(reportsDir), 'ready');
    const run = startRunner(
      ['--marker', 'no_deploy', '--reports-dir', reportsDir, slow, '--testPathIgnorePatterns', '/node_modules/'],
      {
        CT_SLOW_READY: ready,
      },
    );
    try {
      await waitUntil(() => existsSync(ready), {
        timeout: 90_000,
        interval: 200,
        description: 'the slow test to start',
      });
      expect(readdirSync(path.join(reportsDir, '.run'))).toHaveLength(1);
      run.kill('SIGINT');
      const result = await run;
      expect({ exitCode: result.exitCode, output: result.all?.slice(-2000) }).toMatchObject({ exitCode: 130 });
      expect(existsSync(path.join(reportsDir, '.run'))).toBe(false);
    } finally {
      run.kill('SIGKILL');
    }
  }, 150_000);
});
