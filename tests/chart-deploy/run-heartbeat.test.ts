// The janitor's verdicts from another host's point of view (owners on a host that is not this one), by the
// heartbeat Lease; and the leftovers of a namespace outside it: a StorageClass and a volume with node data.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, expect, test } from '@jest/globals';
import { leftoverOfLabel } from '../../testsupport/cluster/cluster-leftovers.ts';
import { releaseRunNamespaces, sweepNamespaces } from '../../testsupport/cluster/namespace-cleanup.ts';
import {
  expiresAtAnnotation,
  managedByLabel,
  managedByValue,
  ownerAnnotation,
  runIdLabel,
} from '../../testsupport/cluster/namespace-ownership.ts';
import { nodesAreThisHost } from '../../testsupport/cluster/node-data.ts';
import { heartbeatAnnotation, heartbeatLeaseName } from '../../testsupport/cluster/run-heartbeat.ts';
import { type RunOptions, resolveOptions } from '../../testsupport/config/options.ts';
import { eventually, mark } from '../../testsupport/index.ts';
import { apiStatus, kubeClients } from '../../testsupport/kube/kube-clients.ts';
import { projectRoot } from './fixtures.ts';

const suffix = randomBytes(3).toString('hex');
const base = `${resolveOptions({}, process.env, projectRoot).testNamespace}-hb-${suffix}`.slice(0, 50);
const created = new Set<string>();

function runOptions(name: string, runId: string): RunOptions {
  return resolveOptions(
    { testNamespace: name },
    { ...process.env, CHART_TESTWARE_RUN_ID: runId, CHART_TESTWARE_OPTIONS: '' },
    projectRoot,
  );
}

const janitorOptions = () => runOptions(`${base}-janitor`, `janitor-${suffix}`);
const core = () => kubeClients(janitorOptions()).core;
const otherHostOwner = JSON.stringify({ host: 'another-host', boot: 'x', pid: 1, start: '1' });

async function plant(name: string, heartbeat: boolean): Promise<void> {
  created.add(name);
  await core().createNamespace({
    body: {
      metadata: {
        name,
        labels: { [managedByLabel]: managedByValue, [runIdLabel]: `run-${name}` },
        annotations: {
          [expiresAtAnnotation]: new Date(Date.now() + 3_600_000).toISOString(),
          [ownerAnnotation]: otherHostOwner,
          ...(heartbeat ? { [heartbeatAnnotation]: heartbeatLeaseName } : {}),
        },
      },
    },
  });
}

async function lease(namespace: string, renewedAgoMs: number): Promise<void> {
  const at = new Date(Date.now() - renewedAgoMs).toISOString().replace('Z', '000Z');
  await kubeClients(janitorOptions()).objects.create({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: heartbeatLeaseName, namespace },
    spec: { holderIdentity: 'run-x other-host pid 1', leaseDurationSeconds: 20, renewTime: at, acquireTime: at },
  } as never);
}

async function exists(name: string): Promise<boolean> {
  return core()
    .readNamespace({ name })
    .then(
      () => true,
      (error: unknown) => apiStatus(error) !== 404,
    );
}

afterAll(async () => {
  await Promise.all(
    [...created].map((name) =>
      core()
        .deleteNamespace({ name })
        .catch(() => undefined),
    ),
  );
});

mark('chart_deploy').describe('heartbeat and leftovers', () => {
  test('a run seen from another host is dead only when its Lease is stale; without a heartbeat it lives until it expires', async () => {
    const stale = `${base}-stale`;
    const fresh = `${base}-fresh`;
    const starting = `${base}-starting`;
    const old = `${base}-old`;
    await plant(stale, true);
    await lease(stale, 5 * 60_000);
    await plant(fresh, true);
    await lease(fresh, 2_000);
    await plant(starting, true);
    await plant(old, false);
    const sweep = await sweepNamespaces(janitorOptions(), { dryRun: true });
    const verdict = (name: string) =>
      sweep.deleted.find((d) => d.name === name)?.reason ??
      `alive: ${sweep.leftAlone.find((d) => d.name === name)?.reason}`;
    expect(verdict(stale)).toMatch(/^no heartbeat for 30\d s/);
    expect(verdict(fresh)).toMatch(/^alive: heartbeat \d+ s ago from run-x other-host pid 1$/);
    expect(verdict(starting)).toMatch(/^alive: just created \(\d+ s ago\), no heartbeat yet$/);
    expect(verdict(old)).toMatch(/^alive: no heartbeat \(made by an older chart-testware.*\) on host another-host/);
    // a dry run deletes nothing
    for (const name of [stale, fresh, starting, old]) expect(await exists(name)).toBe(true);
    await sweepNamespaces(janitorOptions(), { wait: true });
    expect(await exists(stale)).toBe(false);
    for (const name of [fresh, starting, old]) expect(await exists(name)).toBe(true);
  }, 180_000);

  test('releasing a run deletes its StorageClass, its volume and the volume data on the node', async () => {
    const name = `${base}-sc`;
    created.add(name);
    const options = runOptions(name, `sc-${suffix}`);
    await core().createNamespace({
      body: { metadata: { name, labels: { [managedByLabel]: managedByValue, [runIdLabel]: options.runId } } },
    });
    const dataDir = `/tmp/chart-testware-fixtures/${name}-data`;
    mkdirSync(`${dataDir}/db`, { recursive: true });
    writeFileSync(`${dataDir}/db/table`, 'rows');
    const helm = { 'meta.helm.sh/release-name': 'r', 'meta.helm.sh/release-namespace': name };
    await kubeClients(options).storage.createStorageClass({
      body: { metadata: { name, annotations: helm }, provisioner: 'kubernetes.io/no-provisioner' },
    });
    await core().createPersistentVolume({
      body: {
        metadata: { name, annotations: helm },
        spec: {
          storageClassName: name,
          capacity: { storage: '1Mi' },
          accessModes: ['ReadWriteOnce'],
          hostPath: { path: dataDir },
        },
      },
    });
    await releaseRunNamespaces(options, { failed: false });
    expect(await exists(name)).toBe(false);
    await expect(kubeClients(options).storage.readStorageClass({ name })).rejects.toMatchObject({ code: 404 });
    await expect(core().readPersistentVolume({ name })).rejects.toMatchObject({ code: 404 });
    expect(existsSync(dataDir)).toBe(!(await nodesAreThisHost(options)));
  }, 180_000);

  test('a volume left labelled by a clean-up that died (its namespace gone) is finished by the next sweep', async () => {
    const gone = `${base}-gone`;
    const dataDir = `/tmp/chart-testware-fixtures/${gone}-data`;
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(`${dataDir}/ibdata1`, 'x');
    await core().createPersistentVolume({
      body: {
        metadata: { name: gone, labels: { [leftoverOfLabel]: gone } },
        spec: {
          storageClassName: `none-${suffix}`,
          capacity: { storage: '1Mi' },
          accessModes: ['ReadWriteOnce'],
          hostPath: { path: dataDir },
        },
      },
    });
    try {
      const dry = await sweepNamespaces(janitorOptions(), { dryRun: true });
      expect(dry.orphans).toContain(`PersistentVolume ${gone}`);
      await sweepNamespaces(janitorOptions(), { wait: true });
      // the sweep deleted it; the PV controller drops its own pv-protection finalizer a moment later (under load,
      // a while later)
      await eventually(() => expect(core().readPersistentVolume({ name: gone })).rejects.toMatchObject({ code: 404 }), {
        timeout: 60_000,
      });
      expect(existsSync(dataDir)).toBe(!(await nodesAreThisHost(janitorOptions())));
    } finally {
      await core()
        .deletePersistentVolume({ name: gone })
        .catch(() => undefined);
    }
  }, 180_000);
});
