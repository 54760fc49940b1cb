import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { mark } from '../../testsupport/index.ts';
import { waitUntil } from '../../testsupport/kube/wait-until.ts';
import {
  busyboxImage,
  busyboxPod,
  clusterKubeConfig,
  execInPod,
  isEmbeddedCluster,
  runPod,
  TestNamespace,
} from './local-cluster.ts';

const stateDir = process.env.CT_CLUSTER_STATE ?? '/var/lib/chart-testware/cluster';

let kubeConfig: KubeConfig;
let core: CoreV1Api;
let namespace: TestNamespace;
let image: string;
let pvName: string;
let hostDir: string;

mark('chart_deploy').describe('local cluster: a PVC bound to a manually created hostPath PV', () => {
  beforeAll(async () => {
    kubeConfig = clusterKubeConfig();
    core = kubeConfig.makeApiClient(CoreV1Api);
    namespace = await TestNamespace.create(core, 'pv');
    image = await busyboxImage(core);
    pvName = `${namespace.name}-data`;
    hostDir = path.join(stateDir, 'volumes', pvName);
  }, 60_000);

  afterAll(async () => {
    await namespace?.delete();
    if (pvName) await core.deletePersistentVolume({ name: pvName }).catch(() => undefined);
    if (hostDir && isEmbeddedCluster(kubeConfig)) fs.rmSync(hostDir, { recursive: true, force: true });
  });

  test('the claim binds to the PV, and data written by one pod is read by the next', async () => {
    await core.createPersistentVolume({
      body: {
        metadata: { name: pvName, labels: { 'chart-testware.io/test-volume': pvName } },
        spec: {
          capacity: { storage: '64Mi' },
          accessModes: ['ReadWriteOnce'],
          persistentVolumeReclaimPolicy: 'Retain',
          storageClassName: '',
          hostPath: { path: hostDir, type: 'DirectoryOrCreate' },
        },
      },
    });
    await core.createNamespacedPersistentVolumeClaim({
      namespace: namespace.name,
      body: {
        metadata: { name: 'data' },
        spec: {
          accessModes: ['ReadWriteOnce'],
          storageClassName: '',
          resources: { requests: { storage: '32Mi' } },
          selector: { matchLabels: { 'chart-testware.io/test-volume': pvName } },
        },
      },
    });
    const claim = await waitUntil(
      async () => {
        const c = await core.readNamespacedPersistentVolumeClaim({ name: 'data', namespace: namespace.name });
        return c.status?.phase === 'Bound' ? c : undefined;
      },
      { timeout: 60_000, interval: 500, description: `claim ${namespace.name}/data to bind` },
    );
    expect(claim.spec?.volumeName).toBe(pvName);
    const pv = await core.readPersistentVolume({ name: pvName });
    expect(pv.status?.phase).toBe('Bound');
    expect(pv.spec?.claimRef?.namespace).toBe(namespace.name);

    const volume = { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] };
    const writer = busyboxPod('writer', image, 'exec sleep 3600', volume);
    writer.spec!.containers[0]!.volumeMounts = [{ name: 'data', mountPath: '/data' }];
    await runPod(core, namespace.name, writer);
    const written = await execInPod(kubeConfig, namespace.name, 'writer', [
      'sh',
      '-c',
      `echo ${namespace.name} > /data/proof && cat /data/proof`,
    ]);
    expect(written.stdout).toBe(`${namespace.name}\n`);
    await core.deleteNamespacedPod({ name: 'writer', namespace: namespace.name, gracePeriodSeconds: 0 });

    const reader = busyboxPod('reader', image, 'exec sleep 3600', volume);
    reader.spec!.containers[0]!.volumeMounts = [{ name: 'data', mountPath: '/data', readOnly: true }];
    await runPod(core, namespace.name, reader);
    const read = await execInPod(kubeConfig, namespace.name, 'reader', ['cat', '/data/proof']);
    expect(read.stdout).toBe(`${namespace.name}\n`);
    if (isEmbeddedCluster(kubeConfig)) {
      // the embedded cluster's single node is this machine: the PV's hostPath holds the file
      expect(fs.readFileSync(path.join(hostDir, 'proof'), 'utf8')).toBe(`${namespace.name}\n`);
    }
  }, 120_000);

  test('a claim no PV satisfies stays Pending', async () => {
    await core.createNamespacedPersistentVolumeClaim({
      namespace: namespace.name,
      body: {
        metadata: { name: 'unsatisfiable' },
        spec: {
          accessModes: ['ReadWriteOnce'],
          storageClassName: '',
          resources: { requests: { storage: '1Mi' } },
          selector: { matchLabels: { 'chart-testware.io/test-volume': 'no-such-volume' } },
        },
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const claim = await core.readNamespacedPersistentVolumeClaim({ name: 'unsatisfiable', namespace: namespace.name });
    expect(claim.status?.phase).toBe('Pending');
  }, 30_000);
});
