// Tango readiness benchmark: helm install of charts/tango-base into a fresh namespace until TangoTest answers
// `tango_admin --ping-device sys/tg_test/1` from another pod, repeated; printed next to the known baseline.
//   node bench/tango-base.ts [RUNS]        (default 3; uses KUBECONFIG, e.g. the local cluster's)
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { TangoBaseRelease } from '../tests/tango-base/tango-base-release.ts';

const chartDir = path.resolve(import.meta.dirname, '..', 'charts', 'tango-base');
const runs = Number(process.argv[2] ?? 3);
const answered: number[] = [];
const ready: number[] = [];

for (let i = 0; i < runs; i++) {
  const suffix = randomBytes(3).toString('hex');
  await using stack = await TangoBaseRelease.create({
    chartDir,
    namespace: `ct-bench-tango-${suffix}`,
    release: `tb${suffix.slice(0, 4)}`,
  });
  const start = Date.now();
  await stack.install();
  const client = await stack.runClientPod(
    'ping-client',
    'until tango_admin --ping-device sys/tg_test/1 >/dev/null 2>&1; do sleep 0.2; done; echo "at=$(date +%s%3N)"',
    {},
    { timeoutMs: 240_000 },
  );
  const inPod = Number(/at=(\d+)/.exec(client.log)?.[1]);
  answered.push((inPod - start) / 1000);
  await stack.waitAllReady({ timeoutMs: 120_000 });
  ready.push((Date.now() - start) / 1000);
  console.log(
    `run ${i + 1}: TangoTest answered ${answered.at(-1)?.toFixed(1)} s, all pods Ready ${ready.at(-1)?.toFixed(1)} s`,
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
console.log(
  `\nhelm install -> TangoTest answering from another pod: median ${median(answered).toFixed(1)} s over ${runs} runs` +
    `   (baseline: 10-11 s after kubectl apply with storage bound first)`,
);
console.log(`helm install -> every pod Ready: median ${median(ready).toFixed(1)} s`);
