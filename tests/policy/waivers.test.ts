// Waivers: a reason is mandatory, matching is by check, object and template, and a waiver that matches nothing fails.
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from '@jest/globals';
import { evaluateChartPolicy, PolicyInputError } from '../../testsupport/api/policy.ts';
import { mark } from '../../testsupport/index.ts';
import type { Finding } from '../../testsupport/policy/policy-check.ts';
import { validateWaivers, waiverMatches } from '../../testsupport/policy/waivers.ts';
import { fixtureChart } from './policy-fixtures.ts';

const known = ['run-as-non-root', 'credentials-in-secrets', 'no-host-path'];
const finding: Finding = {
  check: 'run-as-non-root',
  severity: 'error',
  object: { kind: 'StatefulSet', name: 'tangodb-tango-base-rel' },
  template: 'tango-base/templates/tangodb.yaml',
  message: 'init container "chown" runs as user 0 (root)',
  fix: '...',
};

mark('no_deploy').describe('policy waivers', () => {
  mark('no_deploy').test(
    'a waiver without a reason, with an unknown check or unknown fields is rejected, naming each problem',
    () => {
      expect(() =>
        validateWaivers(
          [
            { check: 'run-as-non-root' },
            { check: 'no-such-check', reason: 'because' },
            { check: 'no-host-path', reason: 'ok', objekt: 'x' },
          ],
          'test',
          known,
        ),
      ).toThrow(
        /waiver #1 \(run-as-non-root\) has no reason; waiver #2 names unknown check "no-such-check"; waiver #3 has unknown field\(s\) objekt/,
      );
      expect(() => validateWaivers([{ check: 'no-host-path', reason: 'x', object: 3 }], 'test', known)).toThrow(
        PolicyInputError,
      );
    },
  );

  mark('no_deploy').test(
    'object and template globs narrow a waiver; the chart-name prefix of a template is optional',
    () => {
      const waiver = (extra: Record<string, string>) =>
        validateWaivers([{ check: 'run-as-non-root', reason: 'db chown', ...extra }], 'test', known)[0]!;
      expect(waiverMatches(waiver({}), finding)).toBe(true);
      expect(waiverMatches(waiver({ object: 'StatefulSet/tangodb-*' }), finding)).toBe(true);
      expect(waiverMatches(waiver({ object: 'tangodb-*' }), finding)).toBe(true);
      expect(waiverMatches(waiver({ object: 'Deployment/tangodb-*' }), finding)).toBe(false);
      expect(waiverMatches(waiver({ template: 'templates/tangodb.yaml' }), finding)).toBe(true);
      expect(waiverMatches(waiver({ template: 'tango-base/templates/*.yaml' }), finding)).toBe(true);
      expect(waiverMatches(waiver({ template: 'templates/databaseds.yaml' }), finding)).toBe(false);
      expect(waiverMatches({ ...waiver({}), check: 'no-host-path' }, finding)).toBe(false);
    },
  );

  mark('no_deploy').test(
    'the waivers file next to Chart.yaml waives a finding and reports the waiver that matches nothing',
    async () => {
      const report = await evaluateChartPolicy(fixtureChart('waived'));
      const credentials = report.results.find((result) => result.check.id === 'credentials-in-secrets')!;
      expect(credentials.status).toBe('passed');
      expect(credentials.waived.map(({ finding, waiver }) => [finding.object?.kind, waiver.reason])).toEqual([
        ['ConfigMap', 'the demo password is public on purpose (it is printed in the README)'],
      ]);
      expect(report.unusedWaivers.map((waiver) => waiver.check)).toEqual(['no-host-path']);
      expect(report.failed).toBe(true);
    },
    60_000,
  );

  mark('no_deploy').test(
    'waivers passed in the call work like the file',
    async () => {
      const report = await evaluateChartPolicy(fixtureChart('bad-objects'), {
        waivers: [
          { check: 'no-privileged', object: 'Deployment/*-no-privileged', reason: 'fixture: proves call waivers' },
        ],
      });
      const privileged = report.results.find((result) => result.check.id === 'no-privileged')!;
      expect(privileged.status).toBe('passed');
      expect(privileged.waived).toHaveLength(1);
      expect(report.unusedWaivers).toEqual([]);
    },
    60_000,
  );

  mark('no_deploy').test('a malformed waivers file is bad input, not a crash', async () => {
    const copy = path.join(mkdtempSync(path.join(os.tmpdir(), 'policy-waivers-')), 'waived');
    cpSync(fixtureChart('waived'), copy, { recursive: true });
    writeFileSync(path.join(copy, 'chart-policy-waivers.yaml'), 'waivers:\n  - check: no-host-path\n');
    await expect(evaluateChartPolicy(copy)).rejects.toThrow(
      /chart-policy-waivers.yaml: waiver #1 \(no-host-path\) has no reason/,
    );
  });
});
