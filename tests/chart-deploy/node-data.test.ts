import { expect, test } from '@jest/globals';
import type { V1PersistentVolume } from '@kubernetes/client-node';
import { namespaceDataDir } from '../../testsupport/cluster/node-data.ts';
import { mark } from '../../testsupport/index.ts';

const hostPath = (path: string): V1PersistentVolume => ({ spec: { hostPath: { path } } });

mark('no_deploy').describe('node data of a namespace', () => {
  test("is a hostPath or local volume's own directory, named after the namespace", () => {
    expect(namespaceDataDir(hostPath('/var/lib/chart-testware/volumes/ci-7-tb-tangodb'), 'ci-7')).toBe(
      '/var/lib/chart-testware/volumes/ci-7-tb-tangodb',
    );
    expect(namespaceDataDir(hostPath('/var/lib/x/ci-7-data/'), 'ci-7')).toBe('/var/lib/x/ci-7-data');
    expect(namespaceDataDir({ spec: { local: { path: '/mnt/disks/ci-7-db' } } }, 'ci-7')).toBe('/mnt/disks/ci-7-db');
  });

  test('is never a shared, shallow, relative or foreign directory', () => {
    expect(namespaceDataDir(hostPath('/var/lib/chart-testware/volumes'), 'ci-7')).toBeUndefined();
    expect(namespaceDataDir(hostPath('/data/ci-7'), 'ci-7')).toBeUndefined();
    expect(namespaceDataDir(hostPath('/ci-7'), 'ci-7')).toBeUndefined();
    expect(namespaceDataDir(hostPath('var/lib/x/ci-7-data'), 'ci-7')).toBeUndefined();
    expect(namespaceDataDir(hostPath('/var/lib/x/ci-8-data'), 'ci-7')).toBeUndefined();
    expect(namespaceDataDir(hostPath('/var/lib/ci-7-x/../mysql'), 'ci-7')).toBeUndefined();
    expect(namespaceDataDir({ spec: { nfs: { server: 'nfs', path: '/exports/ci-7-x' } } }, 'ci-7')).toBeUndefined();
  });
});
