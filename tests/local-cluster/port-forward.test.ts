import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { CoreV1Api, type KubeConfig, PortForward } from '@kubernetes/client-node';
import { mark } from '../../testsupport/index.ts';
import { busyboxImage, busyboxPod, clusterKubeConfig, runPod, TestNamespace } from './local-cluster.ts';

let kubeConfig: KubeConfig;
let namespace: TestNamespace;
const pod = 'web';
const token = `served-by-pod-${Math.random().toString(36).slice(2)}`;

/** A local TCP server on 127.0.0.1 whose every connection is forwarded to the pod's targetPort. */
async function forward(targetPort: number): Promise<{ port: number; close: () => Promise<void> }> {
  const forwarder = new PortForward(kubeConfig);
  const server = net.createServer((socket) => {
    forwarder.portForward(namespace.name, pod, [targetPort], socket, null, socket).catch(() => socket.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function get(port: number, timeout = 10_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/', timeout }, (response) => {
      let body = '';
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('timeout', () => request.destroy(new Error(`no answer in ${timeout} ms`)));
    request.on('error', reject);
  });
}

mark('chart_deploy').describe('local cluster: port-forward to a pod', () => {
  beforeAll(async () => {
    kubeConfig = clusterKubeConfig();
    const core = kubeConfig.makeApiClient(CoreV1Api);
    namespace = await TestNamespace.create(core, 'pf');
    const script = `mkdir -p /tmp/www && echo ${token} > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www`;
    await runPod(core, namespace.name, busyboxPod(pod, await busyboxImage(core), script));
  }, 90_000);

  afterAll(async () => {
    await namespace?.delete();
  });

  test('an HTTP request to the forwarded local port reaches the server in the pod', async () => {
    const tunnel = await forward(8080);
    try {
      const first = await get(tunnel.port);
      expect(first).toEqual({ status: 200, body: `${token}\n` });
      // a second connection through the same local port opens a new stream
      expect((await get(tunnel.port)).body).toBe(`${token}\n`);
    } finally {
      await tunnel.close();
    }
  });

  test('a forwarded port nobody listens on in the pod gives no HTTP answer', async () => {
    const tunnel = await forward(9999);
    try {
      await expect(get(tunnel.port, 5_000)).rejects.toThrow();
    } finally {
      await tunnel.close();
    }
  });
});
