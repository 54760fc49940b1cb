// What only a test inside the cluster can do: reach a Service by its cluster DNS name and a pod by its IP, with no
// port-forward. It runs in an in-cluster shard (`npm test -- --in-cluster`, see tests/in-cluster/in-cluster-run.test.ts);
// a local run skips it and says why in its name.
import { lookup } from 'node:dns/promises';
import { expect, test } from '@jest/globals';
import { EchoServer, echoServerPort } from '../../testsupport/extras/echo-server.ts';
import { mark } from '../../testsupport/index.ts';
import { kubeClients } from '../../testsupport/kube/kube-clients.ts';

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
      expect((await lookup(dnsName)).address).toBe(service.spec?.clusterIP);
      for (const url of [`http://${dnsName}:${echoServerPort}/healthz`, `http://${podIp}:${echoServerPort}/healthz`]) {
        const response = await fetch(url, { signal: AbortSignal.timeout(20_000) });
        expect({ url, status: response.status, body: (await response.text()).trim() }).toEqual({
          url,
          status: 200,
          body: 'ok',
        });
      }
    },
    120_000,
  );
});
