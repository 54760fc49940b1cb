// The chart policy over every chart of this repository (charts/*), one test per check per chart.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { chartPolicyTests } from '../../testsupport/index.ts';

const chartsDir = path.resolve(import.meta.dirname, '..', '..', 'charts');

for (const entry of readdirSync(chartsDir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
  if (entry.isDirectory() && existsSync(path.join(chartsDir, entry.name, 'Chart.yaml'))) {
    chartPolicyTests(path.join('charts', entry.name));
  }
}
