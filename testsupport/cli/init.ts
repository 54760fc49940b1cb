#!/usr/bin/env node
// `chart-testware init [--force] [--dry-run]`: sets up chart-testware in the chart repository it is run in: a Jest
// config on the preset, a tsconfig, chart-testware.json, a no_deploy and a chart_deploy test of the repository's
// own chart, and GitLab CI jobs for the seed's stages. Never overwrites a file unless --force.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chartName, findCharts, initFiles } from './init-files.ts';

const usage = `usage: chart-testware init [--force] [--dry-run]
  Writes into the current folder: jest.config.mjs (the chart-testware preset), tsconfig.json, chart-testware.json,
  tests/<chart>-render.test.ts (no_deploy), tests/<chart>-deploy.test.ts (chart_deploy) for the first chart found
  (a folder with Chart.yaml), and .gitlab-ci.yml. Existing files are left alone unless --force.
  --force    overwrite files that exist
  --dry-run  say what would be written, write nothing`;

function main(): number {
  let values: { force?: boolean; 'dry-run'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        force: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    console.error(`init: ${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const root = process.cwd();
  const charts = findCharts(root);
  const chart = charts[0];
  if (!chart) {
    console.error(`init: no chart (a folder with Chart.yaml) in or under ${root}`);
    console.error('hint: run it in a chart repository, or create a chart first (helm create charts/my-chart)');
    return 2;
  }
  const name = chartName(root, chart);
  const files = initFiles({ chartDir: chart === '.' ? '.' : chart, chartName: name });
  let written = 0;
  for (const [file, content] of Object.entries(files)) {
    const target = path.join(root, file);
    const exists = existsSync(target);
    if (exists && !values.force) {
      console.log(`init: kept     ${file} (exists; --force overwrites it)`);
      continue;
    }
    if (!values['dry-run']) {
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, content);
    }
    written++;
    console.log(`init: ${values['dry-run'] ? 'would write' : exists ? 'replaced' : 'wrote   '} ${file}`);
  }
  if (charts.length > 1) console.log(`init: tests are for ${chart}; other charts found: ${charts.slice(1).join(', ')}`);
  console.log(`init: ${written} file(s) ${values['dry-run'] ? 'to write' : 'written'}. Next:`);
  console.log('  npx chart-testware --marker no_deploy      # render tests, no cluster');
  console.log(
    '  npx chart-testware --marker chart_deploy   # install into a job namespace (your kubeconfig, or the embedded cluster)',
  );
  return 0;
}

process.exitCode = main();
