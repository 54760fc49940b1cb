import { expect, test } from '@jest/globals';
import { CoreV1Api } from '@kubernetes/client-node';
import { mark } from '../../testsupport/index.ts';
import { waitUntil } from '../../testsupport/kube/wait-until.ts';
import { busyboxImage, busyboxPod, clusterKubeConfig, runPod, TestNamespace } from './local-cluster.ts';

function statusCode(error: unknown): number | undefined {
  return (error as { code?: number }).code;
}

mark('chart_deploy').describe('local cluster: namespace deletion', () => {
  test('deleting a namespace with a running pod, a Service and a ConfigMap finishes', async () => {
    const core = clusterKubeConfig().makeApiClient(CoreV1Api);
    const namespace = await TestNamespace.create(core, 'nsdel');
    try {
      await core.createNamespacedConfigMap({
        namespace: namespace.name,
        body: { metadata: { name: 'c' }, data: { a: 'b' } },
      });
      await core.createNamespacedService({
        namespace: namespace.name,
        body: { metadata: { name: 's' }, spec: { selector: { app: 'sleeper' }, ports: [{ port: 80 }] } },
      });
      await runPod(core, namespace.name, busyboxPod('sleeper', await busyboxImage(core), 'exec sleep 3600'));
    } catch (error) {
      await namespace.delete();
      throw error;
    }

    const started = performance.now();
    await namespace.delete();
    const gone = await waitUntil(
      async () => {
        try {
          const ns = await core.readNamespace({ name: namespace.name });
          expect(ns.status?.phase).toBe('Terminating');
          return false;
        } catch (error) {
          if (statusCode(error) === 404) return true;
          throw error;
        }
      },
      { timeout: 90_000, interval: 250, description: `namespace ${namespace.name} to be deleted` },
    );
    expect(gone).toBe(true);
    // the pod's grace period is 1 s; the notes' baseline is 5-6 s for the whole deletion
    expect(performance.now() - started).toBeLessThan(60_000);
    await expect(core.readNamespacedPod({ name: 'sleeper', namespace: namespace.name })).rejects.toMatchObject({
      code: 404,
    });
  }, 150_000);
});
