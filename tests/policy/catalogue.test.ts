// The catalogue itself: well-formed entries, and docs/policy.md listing exactly these checks.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from '@jest/globals';
import { policyCatalogue } from '../../testsupport/api/policy.ts';
import { mark } from '../../testsupport/index.ts';

mark('no_deploy').describe('policy catalogue', () => {
  mark('no_deploy').test(
    'ids are unique kebab-case; every check has a severity, a one-line rule, a section and inputs',
    () => {
      const ids = policyCatalogue.map((check) => check.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const check of policyCatalogue) {
        expect(check.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
        expect(['error', 'warning', 'info']).toContain(check.severity);
        expect(check.rule).toMatch(/^\S.{10,200}$/);
        expect(check.rule).not.toContain('\n');
        expect(check.section.length).toBeGreaterThan(3);
        for (const need of check.needs) expect(['render', 'imageRender', 'lint']).toContain(need);
      }
    },
  );

  mark('no_deploy').test('docs/policy.md lists every check with its severity and rule', () => {
    const docs = readFileSync(path.resolve(import.meta.dirname, '..', '..', 'docs', 'policy.md'), 'utf8');
    const rows = [...docs.matchAll(/^\| `([a-z0-9-]+)` \| (error|warning|info) \| (.*) \| (.*) \|$/gm)].map((match) => [
      match[1],
      match[2],
      match[3],
    ]);
    expect(rows).toEqual(policyCatalogue.map((check) => [check.id, check.severity, check.rule.replaceAll('|', '\\|')]));
  });
});
