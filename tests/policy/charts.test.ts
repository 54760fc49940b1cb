// The chart policy over every chart of this repository (charts/*), one test per check per chart.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from '@jest/globals';
import { chartPolicyTests, mark } from '../../testsupport/index.ts';

const chartsDir = path.resolve(import.meta.dirname, '..', '..', 'charts');
const charts = readdirSync(chartsDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(path.join(chartsDir, entry.name, 'Chart.yaml')))
  .map((entry) => entry.name)
  .sort();

// Guards against the loop below silently checking nothing (a moved or renamed charts/ folder).
mark('no_deploy').test('the policy runs over every chart in charts/', () => {
  expect(charts).toEqual(expect.arrayContaining(['echo-server', 'logging', 'tango-base']));
});

for (const chart of charts) chartPolicyTests(path.join('charts', chart));
