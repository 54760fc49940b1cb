#!/usr/bin/env node
// bench:logs: how soon a line an EchoServer prints is searchable in Elasticsearch through charts/logging (kubelet
// log file -> rsyslog imfile -> omelasticsearch _bulk -> index refresh). For each of BENCH_SAMPLES (30) lines: the
// time from the POST returning to the first search (every 50 ms, scoped to the pod) that finds it. Prints p50 and
// p95 beside what bounds them from below: the shipper's input (inotify: no poll interval) and the index refresh.
import { randomBytes } from 'node:crypto';
import { ChartDeployment } from '../testsupport/cluster/chart-deployment.ts';
import { EchoServer } from '../testsupport/extras/echo-server.ts';
import { ElasticsearchLogs } from '../testsupport/extras/elasticsearch-logs.ts';
import { benchNamespace, round } from './bench-namespace.ts';

const samples = Number(process.env.BENCH_SAMPLES ?? 30);
if (!Number.isInteger(samples) || samples < 1) {
  throw new Error(`BENCH_SAMPLES=${process.env.BENCH_SAMPLES} is not a positive whole number`);
}

await using bench = await benchNamespace('logs');
const { options, namespace } = bench;
const started = Date.now();
await using logging = await ChartDeployment.install('charts/logging', { namespace, options, timeout: 300_000 });
const installSeconds = (Date.now() - started) / 1000;
await using logs = await ElasticsearchLogs.viaPortForward(
  { namespace, service: await elasticsearchService(logging) },
  {},
);
await using echo = await EchoServer.deploy({ namespace, options });

const since = new Date(Date.now() - 1_000);
// One line first: the index of the day may have to be created (a slower first bulk request).
const warm = `bench-logs warm-up ${randomBytes(4).toString('hex')}`;
await echo.printToStdout(warm);
await logs.expectLine({ phrase: warm, pod: echo.name, since }, { within: 120_000, interval: 200 });

const seconds: number[] = [];
for (let i = 0; i < samples; i++) {
  const line = `bench-logs ${i} ${randomBytes(6).toString('hex')}`;
  await echo.printToStdout(line);
  const posted = performance.now();
  await logs.expectLine({ phrase: line, namespace, pod: echo.name, since }, { within: 60_000, interval: 50 });
  seconds.push((performance.now() - posted) / 1000);
}

const settings = (await logs.client.indices.getSettings(
  { index: 'logstash-*', name: 'index.refresh_interval', include_defaults: true },
  await logs.requestOptions(),
)) as Record<
  string,
  { settings?: { index?: { refresh_interval?: string } }; defaults?: { index?: { refresh_interval?: string } } }
>;
const refresh = Object.values(settings)
  .map((index) => index.settings?.index?.refresh_interval ?? index.defaults?.index?.refresh_interval)
  .find(Boolean);

const sorted = [...seconds].sort((a, b) => a - b);
const quantile = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
const es = (await logging.pods()).find((pod) => pod.metadata?.name?.includes('elasticsearch'));
const memory = es?.metadata?.name
  ? await logging.exec(es.metadata.name, [
      'sh',
      '-c',
      'grep VmRSS /proc/1/status; cat /sys/fs/cgroup/memory.current 2>/dev/null || cat /sys/fs/cgroup/memory/memory.usage_in_bytes',
    ])
  : undefined;
console.log(`bench:logs: ${samples} lines, EchoServer POST returned -> line searchable in Elasticsearch`);
console.log(`charts/logging installed and ready in ${round(installSeconds)} s (pod ${es?.metadata?.name ?? '?'})`);
console.log(`p50 ${quantile(0.5).toFixed(2)} s`);
console.log(`p95 ${quantile(0.95).toFixed(2)} s`);
console.log(`min ${sorted[0]?.toFixed(2)} s, max ${sorted.at(-1)?.toFixed(2)} s`);
console.log(`Elasticsearch pod memory: ${memory?.stdout.trim().replace(/\s+/g, ' ') ?? '?'} (cgroup bytes)`);
console.log('shipper poll interval: none (rsyslog imfile in inotify mode reads a file when the kubelet writes it)');
console.log(`index refresh interval: ${refresh ?? '?'} (a line is searchable after the next refresh: the floor)`);

/** The release's Elasticsearch Service (its name depends on the release name: see the chart's fullname). */
async function elasticsearchService(release: ChartDeployment): Promise<string> {
  const service = (await release.services()).find(
    (s) => s.metadata?.labels?.['app.kubernetes.io/component'] === 'elasticsearch',
  );
  if (!service?.metadata?.name) throw new Error(`release ${release.releaseName} has no elasticsearch Service`);
  return service.metadata.name;
}
