import { expect, test } from '@jest/globals';
import type { KubernetesObject } from '@kubernetes/client-node';
import { ensureJobNamespace, loadOptions, mark } from '../../testsupport/index.ts';
import { kubeClients } from '../../testsupport/kube/kube-clients.ts';
import { ResourceWatch, type WatchEvent } from '../../testsupport/kube/resource-watch.ts';
import { waitUntil } from '../../testsupport/kube/wait-until.ts';

mark('chart_deploy').describe('ResourceWatch', () => {
  test('keeps its cache current across a dropped watch (the client drops one after 30 s of silence)', async () => {
    // A namespace of its own: in the shared job namespace other tests' ConfigMaps would break the silence.
    const namespace = await ensureJobNamespace({ ...loadOptions(), namespacePerFile: true }, import.meta.filename);
    const { config, objects, core } = kubeClients();
    const events: WatchEvent<KubernetesObject>[] = [];
    const watch = await new ResourceWatch(config, objects, { kind: 'ConfigMap', namespace }, (e) => events.push(e), {
      pollIntervalMs: 1_000,
    }).start();
    try {
      await core.createNamespacedConfigMap({
        namespace,
        body: { metadata: { name: 'before-drop' }, data: { a: '1' } },
      });
      await waitUntil(() => watch.get('before-drop'), { timeout: 10_000, interval: 50 });
      // silence for longer than the client's 30 s inactivity timeout: the watch connection is dropped and resumed
      await new Promise((resolve) => setTimeout(resolve, 36_000));
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'after-drop' }, data: { b: '2' } } });
      await core.deleteNamespacedConfigMap({ namespace, name: 'before-drop' });
      await waitUntil(() => watch.get('after-drop') && !watch.get('before-drop'), { timeout: 10_000, interval: 50 });
      expect(watch.polling).toBe(false);
      expect(watch.watchesOpened).toBeGreaterThanOrEqual(2);
      const names = events.filter((e) => e.type !== 'SYNC').map((e) => `${e.type} ${e.object?.metadata?.name}`);
      expect(names).toEqual(expect.arrayContaining(['ADDED before-drop', 'ADDED after-drop', 'DELETED before-drop']));
    } finally {
      watch.close();
      await core.deleteNamespacedConfigMap({ namespace, name: 'after-drop' }).catch(() => undefined);
      await core.deleteNamespacedConfigMap({ namespace, name: 'before-drop' }).catch(() => undefined);
    }
  }, 90_000);
});
