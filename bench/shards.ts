#!/usr/bin/env node
// bench:shards: a fixed selection of chart_deploy tests through the real runner, locally in one Jest process
// (--runInBand) and in the cluster with --in-cluster --shards 1, 2 and 3; prints each wall time (runner start to
// exit, so the Job, the workspace upload and the clean-up count) and the speed-up against the local run.
// On the embedded cluster the shards share this machine's cores with the cluster itself: see docs/in-cluster.md.
import path from 'node:path';
import { execa } from 'execa';
import { defaultEchoServerImage } from '../testsupport/extras/echo-server.ts';
import { round } from './bench-namespace.ts';

const root = path.resolve(import.meta.dirname, '..');
const selection = [
  'tests/echo-server/echo-server.test.ts',
  'tests/echo-server/echo-server-parallel-a.test.ts',
  'tests/echo-server/echo-server-parallel-b.test.ts',
  'tests/chart-deploy/pod-log-assertions.test.ts',
  'tests/chart-deploy/fail-fast.test.ts',
];
const image = process.env.CHART_TESTWARE_IN_CLUSTER_IMAGE ?? defaultEchoServerImage();
const namespace = `${process.env.CHART_TESTWARE_NAMESPACE ?? 'ci'}-bench-shards`;
const shardCounts = (process.env.BENCH_SHARDS ?? '1,2,3').split(',').map(Number);

interface Measured {
  readonly label: string;
  readonly seconds: number;
  readonly exitCode: number;
  readonly tests: string;
}

async function run(label: string, extra: readonly string[]): Promise<Measured> {
  const env: Record<string, string | undefined> = { ...process.env, CI: 'true' };
  for (const name of ['CHART_TESTWARE_OPTIONS', 'CHART_TESTWARE_RUN_ID', 'CHART_TESTWARE_RUNNER_PID']) delete env[name];
  const started = performance.now();
  const result = await execa(
    process.execPath,
    [
      path.join(root, 'testsupport', 'cli', 'chart-testware.ts'),
      'test',
      '--marker',
      'chart_deploy and not quarantine',
      '--test-namespace',
      namespace,
      '--reports-dir',
      path.join(root, 'reports', 'bench-shards', label.replace(/\W+/g, '-')),
      ...extra,
      ...selection,
    ],
    { cwd: root, env, extendEnv: false, reject: false, all: true },
  );
  const seconds = (performance.now() - started) / 1000;
  const tests = /^tests: (.*)$/m.exec(result.all ?? '')?.[1] ?? 'no summary';
  if (result.exitCode !== 0) console.log((result.all ?? '').split('\n').slice(-40).join('\n'));
  const measured = { label, seconds, exitCode: result.exitCode ?? -1, tests };
  console.log(`  ${label}: ${round(seconds)} s (exit ${measured.exitCode}; ${tests})`);
  return measured;
}

console.log(`bench:shards: ${selection.length} files of chart_deploy tests (${selection.join(', ')})`);
console.log(`  namespace ${namespace}; in-cluster image ${image}`);
const local = await run('local, one process', ['--runInBand']);
const sharded: Measured[] = [];
for (const shards of shardCounts) {
  sharded.push(
    await run(`in-cluster, ${shards} shard${shards > 1 ? 's' : ''}`, [
      '--in-cluster',
      '--shards',
      String(shards),
      '--image',
      image,
    ]),
  );
}
console.log('wall time and speed-up against the local run:');
for (const measured of [local, ...sharded]) {
  console.log(
    `  ${measured.label.padEnd(22)} ${round(measured.seconds).toString().padStart(7)} s   x${(local.seconds / measured.seconds).toFixed(2)}${
      measured.exitCode === 0 ? '' : `   (exit ${measured.exitCode}: not comparable)`
    }`,
  );
}
