import { expect, test } from '@jest/globals';
import type { CoreV1Event, KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { ChartDeployment } from '../../testsupport/cluster/chart-deployment.ts';
import { loadOptions, type RunOptions } from '../../testsupport/config/options.ts';
import { mark } from '../../testsupport/index.ts';
import { kubeClients } from '../../testsupport/kube/kube-clients.ts';
import { execInPod } from '../../testsupport/kube/pod-exec.ts';
import { runContext } from '../../testsupport/kube/run-context.ts';
import { waitFor } from '../../testsupport/kube/wait-for.ts';
import { waitUntil } from '../../testsupport/kube/wait-until.ts';
import { busyboxValues, fixtureChart } from '../chart-deploy/fixtures.ts';
import { ApiServerProxy } from './api-server-proxy.ts';
import { compactEtcd } from './etcd.ts';
import { podReady, uniqueName } from './fault-support.ts';

function event(namespace: string, pod: string, name: string, reason: string): CoreV1Event {
  const now = new Date();
  return {
    metadata: { name, namespace },
    involvedObject: { kind: 'Pod', name: pod, namespace, apiVersion: 'v1' },
    reason,
    message: 'written by the fault test while the wait could not see the server',
    type: 'Normal',
    source: { component: 'chart-testware-fault-test' },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  };
}

mark('chart_deploy').describe('faults mid-run: a watch outlives its history', () => {
  // How the real server is made to answer 410 Gone, in seconds: Events are not in the API server's watch cache
  // (its default watch cache size for events is 0), so an Event watch is served by etcd itself, and etcd answers a
  // watch that starts before its compacted revision with ErrCompacted, which the API server sends as a 410 "The
  // resourceVersion for the provided watch is too old". The wait's connections go through ApiServerProxy: it holds
  // them while events happen and etcd is compacted past the resourceVersion the Event watch resumes from (the API
  // server compacts every 5 minutes on its own; a watch away that long meets the same). Pods are in the watch
  // cache: their watch resumes without 410, which is why the wait also needs the Event to be ready.
  test('the Event watch resumes from a compacted resourceVersion, is told 410 Gone, lists again, and the wait sees readiness', async () => {
    const direct = loadOptions();
    await using proxy = await ApiServerProxy.start(kubeClients(direct).config);
    const proxied: RunOptions = { ...direct, kubeconfig: proxy.writeKubeconfig(kubeClients(direct).config) };
    await using app = await ChartDeployment.install(fixtureChart('gated-ready'), {
      values: await busyboxValues({ open: false }),
      wait: false,
    });
    const { namespace, releaseName: pod } = app;
    const { core } = kubeClients(direct);
    await waitUntil(
      async () =>
        (await core.readNamespacedPod({ name: pod, namespace })).status?.containerStatuses?.[0]?.state?.running,
      { timeout: 120_000, interval: 250, description: `pod ${pod} to run its container` },
    );
    const marker = uniqueName('FaultMarker');
    const opened = `${marker}Opened`;
    let watching = false;
    const progress: string[] = [];
    const waiting = waitFor(
      [{ kind: 'Pod', name: pod, namespace }],
      (object: KubernetesObject | undefined, _ref, view) => {
        const ready = !!object && podReady(object as V1Pod);
        const events = view.list<CoreV1Event>('Event', namespace);
        watching ||= events.some((e) => e.reason === opened);
        const seen = events.some((e) => e.reason === marker);
        return { ready: ready && seen, waitingFor: `pod ready: ${ready}, event ${marker} seen: ${seen}` };
      },
      {
        related: ['Event'],
        context: runContext(proxied),
        timeout: 180_000,
        progress: (line) => progress.push(line),
        progressIntervalMs: 200,
      },
    );
    waiting.catch(() => {});
    // the wait has listed (its progress line counts the pod); an Event written after that reaches it only
    // through its Event watch: then that watch is open
    await waitUntil(() => progress.some((line) => line.includes('0/1 ready')), {
      timeout: 60_000,
      interval: 100,
      description: 'the wait to list',
    });
    await core.createNamespacedEvent({ namespace, body: event(namespace, pod, opened.toLowerCase(), opened) });
    await waitUntil(() => watching, { timeout: 60_000, interval: 100, description: 'the wait to watch Events' });
    expect((await execInPod(namespace, pod, ['touch', '/tmp/ready'])).exitCode).toBe(0);

    proxy.hold();
    // while the wait's watches wait in the proxy to reconnect: two Events are written (so the compacted revision
    // is past the Event watch's resourceVersion + 1) and etcd forgets the history
    await core.createNamespacedEvent({ namespace, body: event(namespace, pod, `${marker}-1`.toLowerCase(), marker) });
    await core.createNamespacedEvent({ namespace, body: event(namespace, pod, `${marker}-2`.toLowerCase(), marker) });
    await compactEtcd();
    await proxy.restore();

    const result = await waiting;
    expect(result.expiredWatches).toBeGreaterThanOrEqual(1);
    expect(result.relists).toBeGreaterThanOrEqual(1);
  }, 300_000);
});
