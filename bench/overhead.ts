#!/usr/bin/env node
// bench:overhead: install + wait + uninstall through ChartDeployment against raw `helm install --wait` +
// `helm uninstall --wait` of the same chart in the same namespace, alternating which goes first, several rounds.
import path from 'node:path';
import { ChartDeployment } from '../testsupport/cluster/chart-deployment.ts';
import { resolveHelmBinary } from '../testsupport/helm/helm-binary.ts';
import { HelmTestAdaptor } from '../testsupport/helm/helm-test-adaptor.ts';
import { uniqueReleaseName } from '../testsupport/helm/release-name.ts';
import { kubeClients } from '../testsupport/kube/kube-clients.ts';
import { silentProgress } from '../testsupport/kube/progress.ts';
import { benchNamespace, median, round } from './bench-namespace.ts';

const rounds = Number(process.env.BENCH_ROUNDS ?? 6);
const chart = path.resolve(import.meta.dirname, '..', 'tests', 'fixtures', 'charts', 'slow-ready');

await using bench = await benchNamespace('overhead');
const { options, namespace } = bench;
const nodes = await kubeClients(options).core.listNode();
const image = nodes.items
  .flatMap((node) => node.status?.images ?? [])
  .flatMap((i) => i.names ?? [])
  .find((name) => /(^|\/)busybox:/.test(name));
const values = { image, kind: 'deployment', replicas: 2, delaySeconds: 1 };
const helm = new HelmTestAdaptor(await resolveHelmBinary(), {
  kubeconfig: options.kubeconfig,
  kubeContext: options.kubeContext,
  namespace,
});

async function ours(): Promise<number> {
  const started = performance.now();
  const app = await ChartDeployment.install(chart, { namespace, helm, options, values, progress: silentProgress });
  await app.uninstall();
  return performance.now() - started;
}

async function raw(): Promise<number> {
  const started = performance.now();
  const releaseName = uniqueReleaseName(chart);
  await helm.install(chart, { releaseName, values, wait: true });
  await helm.uninstall(releaseName, { wait: true });
  return performance.now() - started;
}

console.log(
  `bench:overhead: ${rounds} rounds of install+wait+uninstall of ${path.basename(chart)} (Deployment, 2 replicas), ${helm.binary.version}`,
);
await ours(); // warm-up: helm's and the client's first-call costs
const oursMs: number[] = [];
const rawMs: number[] = [];
for (let i = 0; i < rounds; i++) {
  if (i % 2 === 0) {
    oursMs.push(await ours());
    rawMs.push(await raw());
  } else {
    rawMs.push(await raw());
    oursMs.push(await ours());
  }
  console.log(`  round ${i + 1}: ChartDeployment ${round(oursMs[i] ?? 0)} ms, helm --wait ${round(rawMs[i] ?? 0)} ms`);
}
const ratio = median(oursMs) / median(rawMs);
console.log(
  `overhead: ChartDeployment median ${round(median(oursMs))} ms, helm install --wait + uninstall --wait median ${round(
    median(rawMs),
  )} ms, ratio ${ratio.toFixed(3)} (target <= 1.05: ${ratio <= 1.05 ? 'met' : 'MISSED'})`,
);
