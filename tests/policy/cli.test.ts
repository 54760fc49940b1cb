// `npm run policy -- <charts>`: a table per chart, exit 1 on failing findings, exit 2 on bad input.
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from '@jest/globals';
import { execa } from 'execa';
import { mark } from '../../testsupport/index.ts';
import { fixtureChart, fixtures } from './policy-fixtures.ts';

const cli = path.resolve(import.meta.dirname, '..', '..', 'testsupport', 'cli', 'policy.ts');
const policy = (...args: string[]) => execa(process.execPath, [cli, ...args], { reject: false, all: true });

mark('no_deploy').describe('policy CLI', () => {
  mark('no_deploy').test(
    'a clean chart exits 0',
    async () => {
      const run = await policy(fixtureChart('good'));
      expect(run.all).toMatch(/chart good .*51 checks, 51 passed, 0 failing/);
      expect(run.exitCode).toBe(0);
    },
    60_000,
  );

  mark('no_deploy').test(
    'a folder of charts: a table per chart with check, object, template and fix; exit 1',
    async () => {
      const run = await policy(fixtures);
      const out = run.all ?? '';
      for (const chart of ['bad-chart-meta', 'bad-lint', 'bad-objects', 'good', 'needs-value', 'waived']) {
        expect(out).toContain(`(${path.join(fixtures, chart)})`);
      }
      expect(out).toMatch(
        /FAIL\s+image-parameterised\s+error\s+Deployment\/pr[0-9a-f]+-image-parameterised\s+bad-objects\/templates\/images\.yaml\s+.*-> fix: template the image/,
      );
      expect(out).toMatch(/WARN\s+no-host-path\s+warning\s+Deployment\/\S+-no-host-path/);
      expect(out).toContain('RENDER FAILED');
      expect(out).toMatch(/FAIL\s+waivers .*unused waiver: no-host-path/);
      expect(out).toMatch(/policy: 5 of 6 chart\(s\) failing/);
      expect(run.exitCode).toBe(1);
    },
    120_000,
  );

  mark('no_deploy').test(
    '--values makes a chart that needs values render',
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'policy-cli-'));
      const values = path.join(dir, 'values.yaml');
      writeFileSync(values, 'database:\n  host: db.example.org\n');
      const run = await policy(fixtureChart('needs-value'), '--values', values);
      expect(run.all).not.toContain('RENDER FAILED');
      expect(run.exitCode).toBe(0);
    },
    60_000,
  );

  mark('no_deploy').test(
    'bad input exits 2 with a clear message',
    async () => {
      const missing = await policy('/nonexistent/charts');
      expect(missing.exitCode).toBe(2);
      expect(missing.all).toContain('/nonexistent/charts is not a directory');

      const empty = await policy(mkdtempSync(path.join(os.tmpdir(), 'policy-empty-')));
      expect(empty.exitCode).toBe(2);
      expect(empty.all).toMatch(/no chart \(a folder with Chart\.yaml\)/);

      const option = await policy(fixtureChart('good'), '--fail-on', 'sometimes');
      expect(option.exitCode).toBe(2);
      expect(option.all).toContain('--fail-on must be error or warning');

      const none = await policy();
      expect(none.exitCode).toBe(2);

      const copy = path.join(mkdtempSync(path.join(os.tmpdir(), 'policy-cli-')), 'waived');
      cpSync(fixtureChart('waived'), copy, { recursive: true });
      writeFileSync(
        path.join(copy, 'chart-policy-waivers.yaml'),
        'waivers:\n  - check: no-such-check\n    reason: typo\n',
      );
      const waivers = await policy(copy);
      expect(waivers.exitCode).toBe(2);
      expect(waivers.all).toContain('unknown check "no-such-check"');
    },
    60_000,
  );
});
