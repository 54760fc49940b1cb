import { expect, test } from '@jest/globals';
import { KubeConfig, type KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { loadOptions } from '../../testsupport/api/kube.ts';
import { ensureJobNamespace } from '../../testsupport/cluster/job-namespace.ts';
import { mark } from '../../testsupport/index.ts';
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

  test('polls the list while it may not watch, sees every change, and watches again once it may', async () => {
    const namespace = await ensureJobNamespace(loadOptions());
    const { config, objects, core } = kubeClients();
    const name = `list-only-${Date.now().toString(36)}`;
    // RBAC that grants list but not watch: the watch is refused (403) each time, the list keeps working
    const rbac: KubernetesObject[] = [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name, namespace },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
      } as KubernetesObject,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name, namespace },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [{ kind: 'ServiceAccount', name, namespace }],
      } as KubernetesObject,
    ];
    for (const object of rbac) await objects.create(object);
    let watch: ResourceWatch | undefined;
    try {
      const token = (
        await core.createNamespacedServiceAccountToken({
          name,
          namespace,
          body: { spec: { audiences: [], expirationSeconds: 600 } },
        })
      ).status?.token;
      expect(token).toBeTruthy();
      const cluster = config.getCurrentCluster();
      if (!cluster) throw new Error('the admin kubeconfig has no current cluster');
      const listOnly = new KubeConfig();
      listOnly.loadFromOptions({
        clusters: [cluster],
        users: [{ name, token }],
        contexts: [{ name, cluster: cluster.name, user: name }],
        currentContext: name,
      });
      const events: WatchEvent<KubernetesObject>[] = [];
      watch = await new ResourceWatch(
        listOnly,
        KubernetesObjectApi.makeApiClient(listOnly),
        { kind: 'ConfigMap', namespace },
        (e) => events.push(e),
        { pollIntervalMs: 300 },
      ).start();
      const polling = watch;
      await waitUntil(() => polling.polling, { timeout: 15_000, interval: 50 });
      expect(watch.watchesOpened).toBeGreaterThanOrEqual(3);

      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name }, data: { v: '1' } } });
      await waitUntil(() => polling.get(name), { timeout: 15_000, interval: 20 });
      await core.replaceNamespacedConfigMap({ name, namespace, body: { metadata: { name }, data: { v: '2' } } });
      await waitUntil(() => (polling.get(name) as { data?: { v?: string } } | undefined)?.data?.v === '2', {
        timeout: 15_000,
        interval: 20,
      });
      await core.deleteNamespacedConfigMap({ name, namespace });
      await waitUntil(() => !polling.get(name), { timeout: 15_000, interval: 20 });
      // polling reports whole lists, never single events
      expect(events.length).toBeGreaterThan(3);
      expect(events.every((e) => e.type === 'SYNC')).toBe(true);

      // granted watch, it leaves polling at its next try (every ten polls) and gets single events again
      await objects.replace({
        ...rbac[1],
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }],
      } as KubernetesObject);
      await waitUntil(() => !polling.polling, { timeout: 15_000, interval: 50 });
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name }, data: { v: '3' } } });
      await waitUntil(() => events.some((e) => e.type === 'ADDED' && e.object?.metadata?.name === name), {
        timeout: 15_000,
        interval: 20,
      });
      expect(watch.polling).toBe(false);
    } finally {
      watch?.close();
      await core.deleteNamespacedConfigMap({ name, namespace }).catch(() => undefined);
      for (const object of rbac.reverse()) await objects.delete(object).catch(() => undefined);
    }
  }, 60_000);
});
