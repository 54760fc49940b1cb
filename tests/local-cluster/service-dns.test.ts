import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { mark } from '../../testsupport/index.ts';
import { waitUntil } from '../../testsupport/kube/wait-until.ts';
import { busyboxImage, busyboxPod, clusterKubeConfig, execInPod, runPod, TestNamespace } from './local-cluster.ts';

let kubeConfig: KubeConfig;
let core: CoreV1Api;
let namespace: TestNamespace;
let clusterIP: string;
const token = `hello-from-backend-${Math.random().toString(36).slice(2)}`;

mark('chart_deploy').describe('local cluster: a Service reached by its DNS name from another pod', () => {
  beforeAll(async () => {
    kubeConfig = clusterKubeConfig();
    core = kubeConfig.makeApiClient(CoreV1Api);
    namespace = await TestNamespace.create(core, 'dns');
    const image = await busyboxImage(core);
    const serve = `mkdir -p /tmp/www && echo ${token} > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www`;
    const service = await core.createNamespacedService({
      namespace: namespace.name,
      body: {
        metadata: { name: 'backend' },
        spec: { selector: { app: 'backend' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
      },
    });
    clusterIP = service.spec?.clusterIP ?? '';
    await Promise.all([
      runPod(core, namespace.name, busyboxPod('backend', image, serve, { restartPolicy: 'Always' })),
      runPod(core, namespace.name, busyboxPod('client', image, 'exec sleep 3600')),
    ]);
  }, 90_000);

  afterAll(async () => {
    await namespace?.delete();
  });

  test('the Service name resolves to its ClusterIP through the cluster DNS', async () => {
    const fqdn = `backend.${namespace.name}.svc.cluster.local`;
    const result = await execInPod(kubeConfig, namespace.name, 'client', ['nslookup', fqdn]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`Address: ${clusterIP}`);
    const resolv = await execInPod(kubeConfig, namespace.name, 'client', ['cat', '/etc/resolv.conf']);
    expect(resolv.stdout).toMatch(/^nameserver 10\.96\.0\.10$/m);
  });

  test('an HTTP request to the short Service name reaches the backend pod', async () => {
    // the endpoint appears a moment after the backend pod turns ready
    const body = await waitUntil(
      async () => {
        const r = await execInPod(kubeConfig, namespace.name, 'client', [
          'timeout', // busybox wget's own -T option crashes Debian's busybox-static 1.35
          '5',
          'wget',
          '-q',
          '-O',
          '-',
          'http://backend/',
        ]);
        return r.exitCode === 0 ? r.stdout : undefined;
      },
      { timeout: 30_000, interval: 500, description: 'http://backend/ to answer from the client pod' },
    );
    expect(body).toBe(`${token}\n`);
  });

  test('a name that does not exist does not resolve', async () => {
    const result = await execInPod(kubeConfig, namespace.name, 'client', [
      'nslookup',
      `no-such-service.${namespace.name}.svc.cluster.local`,
    ]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/NXDOMAIN|can't find/);
  });
});
