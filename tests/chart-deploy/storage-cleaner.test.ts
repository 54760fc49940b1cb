// The storage cleaner: what it records (once each, in the order first seen) and that it deletes last recorded first
// on the cluster: a claim before the volume bound to it (and that volume's node data), the StorageClass last.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { expect, test } from '@jest/globals';
import { jobNamespace } from '../../testsupport/cluster/job-namespace.ts';
import { nodesAreThisHost } from '../../testsupport/cluster/node-data.ts';
import { StorageCleaner } from '../../testsupport/cluster/storage-cleaner.ts';
import { loadOptions } from '../../testsupport/config/options.ts';
import { eventually, mark } from '../../testsupport/index.ts';
import { apiStatus, kubeClients } from '../../testsupport/kube/kube-clients.ts';

const suffix = randomBytes(3).toString('hex');

mark('no_deploy').describe('the storage cleaner, before it deletes anything', () => {
  test('records each thing once, in the order first seen', () => {
    const cleaner = new StorageCleaner(loadOptions());
    const storageClass = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' } };
    cleaner.object(storageClass);
    cleaner.volume({ metadata: { name: 'pv-1' } }, 'ns', { nodeData: true });
    cleaner.claim('ns', 'data-db-0');
    cleaner.object(storageClass);
    cleaner.volume({ metadata: { name: 'pv-1' } }, 'ns', { nodeData: false });
    expect(cleaner.recorded).toEqual([
      'StorageClass fast',
      'PersistentVolume pv-1',
      'PersistentVolumeClaim ns/data-db-0',
    ]);
    expect(cleaner.recordedNames('PersistentVolume')).toEqual(['pv-1']);
    expect(cleaner.recordedNames('PersistentVolumeClaim')).toEqual(['data-db-0']);
  });

  test('stops at a failure: what was recorded before it is left alone', async () => {
    const cleaner = new StorageCleaner(loadOptions());
    const ran: string[] = [];
    cleaner.step('first recorded', async () => {
      ran.push('first recorded');
    });
    cleaner.step('fails', async () => {
      ran.push('fails');
      throw new Error('the namespace is still there');
    });
    cleaner.step('last recorded', async () => {
      ran.push('last recorded');
    });
    await expect(cleaner.clean({ wait: true })).rejects.toThrow('the namespace is still there');
    expect(ran).toEqual(['last recorded', 'fails']);
  });
});

mark('chart_deploy').describe('the storage cleaner on the cluster', () => {
  test('deletes last recorded first: the claim, then its volume and node data, then the StorageClass', async () => {
    const options = loadOptions();
    const { core, storage } = kubeClients(options);
    const namespace = await jobNamespace(options);
    const name = `${namespace}-cleaner-${suffix}`;
    const dataDir = `/tmp/chart-testware-fixtures/${name}`;
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(`${dataDir}/table`, 'rows');
    const storageClass = await storage.createStorageClass({
      body: { metadata: { name }, provisioner: 'kubernetes.io/no-provisioner' },
    });
    const volume = await core.createPersistentVolume({
      body: {
        metadata: { name },
        spec: {
          storageClassName: name,
          capacity: { storage: '1Mi' },
          accessModes: ['ReadWriteOnce'],
          hostPath: { path: dataDir },
        },
      },
    });
    await core.createNamespacedPersistentVolumeClaim({
      namespace,
      body: {
        metadata: { name: 'data' },
        spec: { storageClassName: name, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } },
      },
    });
    await eventually(
      async () =>
        expect((await core.readNamespacedPersistentVolumeClaim({ name: 'data', namespace })).status?.phase).toBe(
          'Bound',
        ),
      { timeout: 60_000 },
    );
    const state = async (read: Promise<{ metadata?: { deletionTimestamp?: Date } }>) =>
      read.then(
        (object) => (object.metadata?.deletionTimestamp ? 'deleting' : 'there'),
        (error: unknown) => (apiStatus(error) === 404 ? 'gone' : 'unknown'),
      );
    const seen: string[] = [];
    // first seen in the order they were made: the class, the volume, the claim (steps in between look around)
    const cleaner = new StorageCleaner(options)
      .object({ ...storageClass, apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass' })
      .step('after the volume', async () => {
        seen.push(`volume ${await state(core.readPersistentVolume({ name }))}`);
        seen.push(`class ${await state(storage.readStorageClass({ name }))}`);
      })
      .volume(volume, namespace, { nodeData: true })
      .step('after the claim', async () => {
        seen.push(`claim ${await state(core.readNamespacedPersistentVolumeClaim({ name: 'data', namespace }))}`);
        seen.push(`volume ${await state(core.readPersistentVolume({ name }))}`);
      })
      .claim(namespace, 'data');
    try {
      expect(await cleaner.clean({ wait: true })).toEqual([]);
      expect(seen).toHaveLength(4);
      expect(seen[0]).toMatch(/^claim (deleting|gone)$/);
      expect(seen[1]).toBe('volume there');
      expect(seen[2]).toMatch(/^volume (deleting|gone)$/);
      expect(seen[3]).toBe('class there');
      await eventually(
        async () => {
          expect(await state(storage.readStorageClass({ name }))).toBe('gone');
          expect(await state(core.readPersistentVolume({ name }))).toBe('gone');
          expect(await state(core.readNamespacedPersistentVolumeClaim({ name: 'data', namespace }))).toBe('gone');
        },
        { timeout: 60_000 },
      );
      expect(existsSync(dataDir)).toBe(!(await nodesAreThisHost(options)));
    } finally {
      await core.deleteNamespacedPersistentVolumeClaim({ name: 'data', namespace }).catch(() => undefined);
      await core.deletePersistentVolume({ name }).catch(() => undefined);
      await storage.deleteStorageClass({ name }).catch(() => undefined);
    }
  }, 180_000);
});
