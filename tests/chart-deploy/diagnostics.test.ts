import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from '@jest/globals';
import { mark } from '../../testsupport/index.ts';
import { projectRoot, startRunner } from '../support/runner-process.ts';
import { diagnosticsFiles, filesUnder } from './fixtures.ts';

mark('chart_deploy').test(
  'a failing chart_deploy test gets its diagnostics saved and referenced from JUnit, with no secret in them',
  async () => {
    const reports = mkdtempSync(path.join(os.tmpdir(), 'ct-diag-reports-'));
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const run = await startRunner(
      [
        '--marker',
        'chart_deploy',
        '--test-namespace',
        `ct-diag-${randomBytes(3).toString('hex')}`,
        path.join('tests', 'chart-deploy', 'fixtures', 'fails-after-dispose.test.ts'),
        '--testPathIgnorePatterns',
        '/node_modules/',
      ],
      { CT_FIXTURE_PASSWORD: password, CHART_TESTWARE_REPORTS_DIR: reports },
    );
    expect({ exitCode: run.exitCode, tail: run.all?.slice(-1500) }).toMatchObject({ exitCode: 1 });
    const junit = readFileSync(path.join(reports, 'junit.xml'), 'utf8');
    const attachment = /\[\[ATTACHMENT\|([^\]]+)\]\]/.exec(junit)?.[1];
    expect(attachment).toBeDefined();
    const dir = path.resolve(projectRoot, attachment ?? '');
    expect(existsSync(dir)).toBe(true);
    const files = filesUnder(dir).map((file) => path.relative(dir, file));
    expect(files).toEqual(expect.arrayContaining(diagnosticsFiles));
    expect(files.filter((file) => file.startsWith('logs') && file.endsWith('app.log')).length).toBeGreaterThanOrEqual(
      4,
    );
    const events = readFileSync(path.join(dir, 'events.txt'), 'utf8').trim().split('\n');
    const times = events.map((line) => Date.parse(line.split(' ')[0] ?? ''));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(JSON.parse(readFileSync(path.join(dir, 'helm-status.json'), 'utf8'))).toMatchObject({
      status: 'deployed',
      revision: 1,
    });
    for (const file of filesUnder(dir)) expect(readFileSync(file, 'utf8')).not.toContain(password);
    // nothing of the failed run is left in the cluster
    expect(run.all).not.toContain('cleaning up the job namespace failed');
  },
  240_000,
);
