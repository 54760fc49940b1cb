// What only a test inside the cluster can do: reach a Service by its cluster DNS name and a pod by its IP, with no
// port-forward. It runs in an in-cluster shard (`npm test -- --in-cluster`, see tests/in-cluster/in-cluster-run.test.ts);
// a local run skips it and says why in its name.
import { lookup } from 'node:dns/promises';
import { expect, test } from '@jest/globals';
import { EchoServer, echoServerPort } from '../../testsupport/extras/echo-server.ts';
import { mark } from '../../testsupport/index.ts';
import { kubeClients } from '../../testsupport/kube/kube-clients.ts';

/** `attempt` until it succeeds, for at most `ms`; then its last error. (fetch's TypeError must be retried too.) */
async function retryFor<T>(ms: number, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

const inShard = process.env.CHART_TESTWARE_SHARD_NAMESPACE !== undefined;
const shardTest = inShard ? test : test.skip;

mark('chart_deploy').describe('in-cluster pod network', () => {
  shardTest(
    `reaches an EchoServer by its Service's cluster DNS name and by its pod IP${inShard ? '' : ' (skipped: runs only in an --in-cluster shard)'}`,
    async () => {
      await using echo = await EchoServer.deploy();
      const { core } = kubeClients();
      const service = await core.readNamespacedService({ name: echo.name, namespace: echo.namespace });
      const pod = await core.readNamespacedPod({ name: echo.name, namespace: echo.namespace });
      const podIp = pod.status?.podIP ?? '';
      expect(podIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

      const dnsName = `${echo.name}.${echo.namespace}.svc.cluster.local`;
      // the cluster DNS learns a new Service from its watch: a moment's lag under load
      const address = await retryFor(60_000, async () => (await lookup(dnsName)).address);
      expect(address).toBe(service.spec?.clusterIP);
      for (const url of [`http://${dnsName}:${echoServerPort}/healthz`, `http://${podIp}:${echoServerPort}/healthz`]) {
        // kube-proxy programs a new Service's rules a moment after its pod is Ready (refused until then)
        const answer = await retryFor(60_000, async () => {
          const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
          return { url, status: response.status, body: (await response.text()).trim() };
        });
        expect(answer).toEqual({ url, status: 200, body: 'ok' });
      }
    },
    120_000,
  );
});
