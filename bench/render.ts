// bench:render: rendering a chart of >= 10 templates for 20 tests,
// (a) the seed's way: one `helm template -s <file>` process per template file, for every test, no cache;
// (b) through HelmChart: one helm call for the whole chart, cached;
// on the same helm binary in the same run. Prints both times, `speed-up <N>x`, and the cached re-render time.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parseAllDocuments, stringify } from 'yaml';
import { resolveHelmBinary } from '../testsupport/helm/helm-binary.ts';
import { HelmChart } from '../testsupport/helm/helm-chart.ts';
import { HelmTestAdaptor } from '../testsupport/helm/helm-test-adaptor.ts';
import { clearMemoryRenderCache } from '../testsupport/helm/render-cache.ts';

const tests = 20;
const chartDir = path.resolve(import.meta.dirname, '..', 'charts', 'echo-server');
const releaseName = 'bench';
// Every optional template switched on: `helm template -s` fails on a template that renders empty (the seed's
// HelmChart broke on those), and the two ways must render the same documents to be compared.
const values = {
  ingress: { enabled: true },
  autoscaling: { enabled: true },
  podDisruptionBudget: { enabled: true },
};

const helmBinary = await resolveHelmBinary();
const helm = new HelmTestAdaptor(helmBinary);
// A fresh render cache, so (b) pays for its first render like a cold CI job does.
const scratch = await mkdtemp(path.join(os.tmpdir(), 'bench-render-'));
process.env.CHART_TESTWARE_CACHE_DIR = scratch;
const valuesFile = path.join(scratch, 'values.yaml');
await writeFile(valuesFile, stringify(values));

const templates = await templateFiles(path.join(chartDir, 'templates'));
console.log(
  `bench:render: charts/echo-server (${templates.length} templates), ${tests} tests, helm ${helmBinary.version} (${helmBinary.source}: ${helmBinary.path})`,
);
if (templates.length < 10) throw new Error(`the bench chart must have >= 10 templates, it has ${templates.length}`);

// (a) the seed's way
let seedDocuments: unknown[] = [];
const seedStarted = performance.now();
for (let test = 0; test < tests; test++) {
  const documents: unknown[] = [];
  for (const template of templates) {
    const { stdout } = await execa(helmBinary.path, [
      'template',
      releaseName,
      chartDir,
      '--namespace',
      'default',
      '--values',
      valuesFile,
      '--show-only',
      template,
    ]);
    documents.push(
      ...parseAllDocuments(stdout)
        .map((doc) => doc.toJS())
        .filter((doc) => doc !== null),
    );
  }
  seedDocuments = documents;
}
const seedMs = performance.now() - seedStarted;

// (b) HelmChart
let chart: HelmChart | undefined;
const helmCalls = { count: 0 };
const chartStarted = performance.now();
for (let test = 0; test < tests; test++) {
  chart = await HelmChart.render(chartDir, { releaseName, values, helm });
  if (chart.cached === false) helmCalls.count++;
}
const chartMs = performance.now() - chartStarted;
if (!chart) throw new Error('no render');

// The same documents both ways, or the comparison means nothing.
const canonical = (documents: unknown[]) => documents.map((doc) => stringify(doc, { sortMapEntries: true })).sort();
if (JSON.stringify(canonical(seedDocuments)) !== JSON.stringify(canonical(chart.documents.map((doc) => doc.object)))) {
  throw new Error('the two ways rendered different documents');
}

// HelmChart with the cache off: one helm call per test, to show what the single call alone buys.
const uncachedStarted = performance.now();
for (let test = 0; test < tests; test++) {
  await HelmChart.render(chartDir, { releaseName, values, helm, cache: false });
}
const uncachedMs = performance.now() - uncachedStarted;

// Cached re-render: the same chart once more, from memory; then from disk as a new Jest worker would.
const memoryStarted = performance.now();
const again = await HelmChart.render(chartDir, { releaseName, values, helm });
const memoryMs = performance.now() - memoryStarted;
clearMemoryRenderCache();
const diskStarted = performance.now();
const fromDisk = await HelmChart.render(chartDir, { releaseName, values, helm });
const diskMs = performance.now() - diskStarted;
if (again.cached !== 'memory' || fromDisk.cached !== 'disk')
  throw new Error('the re-renders did not come from the cache');

await rm(scratch, { recursive: true, force: true });

const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 0)} ms`;
console.log(
  `(a) seed's way, helm template -s per template file, no cache: ${tests * templates.length} helm processes, ${ms(seedMs)} (${ms(seedMs / tests)} per test)`,
);
console.log(
  `(b) HelmChart, one helm call per chart + cache: ${helmCalls.count} helm process(es), ${ms(chartMs)} (${ms(chartMs / tests)} per test)`,
);
console.log(
  `    HelmChart with cache: false: ${tests} helm processes, ${ms(uncachedMs)} ((a) takes ${(seedMs / uncachedMs).toFixed(1)} times as long: the one call per chart alone, without the cache)`,
);
console.log(`speed-up ${(seedMs / chartMs).toFixed(1)}x ((a) ${ms(seedMs)} / (b) ${ms(chartMs)})`);
console.log(`cached re-render: ${ms(memoryMs)} (in memory); ${ms(diskMs)} (from the disk cache, as a new Jest worker)`);

async function templateFiles(dir: string, prefix = 'templates'): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory())
      files.push(...(await templateFiles(path.join(dir, entry.name), `${prefix}/${entry.name}`)));
    else if (!entry.name.startsWith('_') && entry.name !== 'NOTES.txt') files.push(`${prefix}/${entry.name}`);
  }
  return files.sort();
}
