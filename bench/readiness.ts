#!/usr/bin/env node
// bench:readiness: how soon ChartDeployment reports a pod Ready after the kubelet marked it so, next to
// `kubectl wait --for=condition=Ready` started at the same moment. The reference moment is the arrival of the
// watch event that first shows Ready=True on an independent watch opened before the install (the Ready
// condition's lastTransitionTime has one-second precision; it is printed too).
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { ChartDeployment } from '../testsupport/cluster/chart-deployment.ts';
import { resolveHelmBinary, resolveKubectlBinary } from '../testsupport/helm/helm-binary.ts';
import { HelmTestAdaptor } from '../testsupport/helm/helm-test-adaptor.ts';
import { kubeClients } from '../testsupport/kube/kube-clients.ts';
import { silentProgress } from '../testsupport/kube/progress.ts';
import { ResourceWatch } from '../testsupport/kube/resource-watch.ts';
import { benchNamespace, median, round } from './bench-namespace.ts';

const samples = Number(process.env.BENCH_SAMPLES ?? 7);
const chart = path.resolve(import.meta.dirname, '..', 'tests', 'fixtures', 'charts', 'slow-ready');

await using bench = await benchNamespace('readiness');
const { options, namespace } = bench;
const clients = kubeClients(options);
const image = clients.core.listNode().then((nodes) =>
  nodes.items
    .flatMap((node) => node.status?.images ?? [])
    .flatMap((i) => i.names ?? [])
    .find((name) => /(^|\/)busybox:/.test(name)),
);
const helm = new HelmTestAdaptor(await resolveHelmBinary(), {
  kubeconfig: options.kubeconfig,
  kubeContext: options.kubeContext,
  namespace,
});
const kubectl = await resolveKubectlBinary();
const kubectlGlobal = [
  ...(options.kubeconfig ? ['--kubeconfig', options.kubeconfig] : []),
  ...(options.kubeContext ? ['--context', options.kubeContext] : []),
];

const readyEvent = new Map<string, { at: number; transition: string }>();
const reference = await new ResourceWatch<V1Pod>(
  clients.config,
  clients.objects,
  { kind: 'Pod', namespace },
  (event) => {
    const pod = event.object;
    const ready = pod?.status?.conditions?.find((condition) => condition.type === 'Ready');
    const name = pod?.metadata?.name ?? '';
    if (ready?.status === 'True' && !readyEvent.has(name)) {
      readyEvent.set(name, { at: event.receivedAt, transition: String(ready.lastTransitionTime) });
    }
  },
  { pollIntervalMs: 1_000 },
).start();

const ours: number[] = [];
const theirs: number[] = [];
let oursLater = 0;
console.log(
  `bench:readiness: ${samples} samples; pod turns Ready ~4 s after creation; times in ms after the Ready event`,
);
for (let i = 0; i < samples; i++) {
  const app = await ChartDeployment.install(chart, {
    namespace,
    helm,
    options,
    wait: false,
    values: { image: await image, delaySeconds: 4 },
    progress: silentProgress,
  });
  const pod = app.releaseName;
  // spawn, not execa: the moment the kubectl process exits is what counts, not when its pipes close
  const kubectlWait = spawn(
    kubectl.path,
    [...kubectlGlobal, 'wait', '-n', namespace, '--for=condition=Ready', `pod/${pod}`, '--timeout=120s'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let kubectlStderr = '';
  kubectlWait.stderr?.on('data', (chunk: Buffer) => {
    kubectlStderr += chunk.toString();
  });
  const kubectlDone = new Promise<[number, number | null]>((resolve) =>
    kubectlWait.once('exit', (code) => resolve([performance.now(), code])),
  );
  const oursDone = app.waitReady({ progress: silentProgress }).then(() => performance.now());
  const [oursAt, [kubectlAt, kubectlCode]] = await Promise.all([oursDone, kubectlDone]);
  if (kubectlCode !== 0) throw new Error(`kubectl wait failed: ${kubectlStderr}`);
  const ref = readyEvent.get(pod);
  if (!ref) throw new Error(`the reference watch never saw pod ${pod} Ready`);
  const oursMs = oursAt - ref.at;
  const theirsMs = kubectlAt - ref.at;
  ours.push(oursMs);
  theirs.push(theirsMs);
  if (oursAt > kubectlAt) oursLater++;
  const sinceTransition = Date.now() - (performance.now() - oursAt) - Date.parse(ref.transition);
  console.log(
    `  sample ${i + 1}: ours ${round(oursMs)} ms, kubectl wait ${round(theirsMs)} ms; ours ${round(sinceTransition)} ms after lastTransitionTime ${ref.transition} (1 s precision)`,
  );
  await app.uninstall({ wait: false });
}
reference.close();
console.log(
  `readiness: ours median ${round(median(ours))} ms max ${round(Math.max(...ours))} ms; kubectl wait median ${round(
    median(theirs),
  )} ms max ${round(Math.max(...theirs))} ms; ours later than kubectl wait in ${oursLater}/${samples} samples`,
);
console.log(
  `targets: ours never later than kubectl wait: ${oursLater === 0 ? 'met' : 'MISSED'}; median within 100 ms of Ready: ${
    median(ours) <= 100 ? 'met' : 'MISSED'
  }`,
);
