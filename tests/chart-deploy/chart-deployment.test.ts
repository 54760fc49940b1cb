import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import type { V1Deployment, V1EndpointSlice, V1Job, V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import { ChartDeployment } from '../../testsupport/cluster/chart-deployment.ts';
import { waitForReady } from '../../testsupport/cluster/wait-ready.ts';
import { mark } from '../../testsupport/index.ts';
import { kubeClients } from '../../testsupport/kube/kube-clients.ts';
import { busyboxValues, diagnosticsFiles, filesUnder, fixtureChart } from './fixtures.ts';

const password = 's3cr3t-fixture-value';

mark('chart_deploy').describe('ChartDeployment', () => {
  test('installs a chart with every kind and returns only when each is ready; queries, diagnostics, uninstall', async () => {
    const app = await ChartDeployment.install(fixtureChart('all-kinds'), { values: await busyboxValues({ password }) });
    try {
      const { apps, batch, discovery, core } = kubeClients();
      const ns = app.namespace;
      const name = app.releaseName;
      // readiness as the API server sees it, right after install returned
      const web = (await apps.readNamespacedDeployment({ name: `${name}-web`, namespace: ns })) as V1Deployment;
      expect(web.status?.availableReplicas).toBe(2);
      expect(web.status?.updatedReplicas).toBe(2);
      const db = (await apps.readNamespacedStatefulSet({ name: `${name}-db`, namespace: ns })) as V1StatefulSet;
      expect(db.status?.readyReplicas).toBe(1);
      expect(db.status?.currentRevision).toBe(db.status?.updateRevision);
      const agent = await apps.readNamespacedDaemonSet({ name: `${name}-agent`, namespace: ns });
      expect(agent.status?.numberReady).toBe(agent.status?.desiredNumberScheduled);
      const job = (await batch.readNamespacedJob({ name: `${name}-setup`, namespace: ns })) as V1Job;
      expect(job.status?.conditions?.find((c) => c.type === 'Complete')?.status).toBe('True');
      const solo = (await core.readNamespacedPod({ name: `${name}-solo`, namespace: ns })) as V1Pod;
      expect(solo.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      const claim = await core.readNamespacedPersistentVolumeClaim({ name: `data-${name}-db-0`, namespace: ns });
      expect(claim.status?.phase).toBe('Bound');
      const slices = await discovery.listNamespacedEndpointSlice({
        namespace: ns,
        labelSelector: `kubernetes.io/service-name=${name}-web`,
      });
      const ready = slices.items
        .flatMap((slice: V1EndpointSlice) => slice.endpoints ?? [])
        .filter((e) => e.conditions?.ready);
      expect(ready).toHaveLength(2);

      // queries by the release's labels
      const pods = await app.pods();
      expect(pods.map((pod) => pod.metadata?.labels?.component).sort()).toEqual(
        ['agent', 'db', 'setup', 'solo', 'web', 'web'].sort(),
      );
      expect((await app.services()).map((s) => s.metadata?.name).sort()).toEqual([`${name}-db`, `${name}-web`]);
      expect((await app.resources('ConfigMap')).map((c) => c.metadata?.name)).toEqual([`${name}-config`]);

      const result = await app.exec(`${name}-solo`, ['sh', '-c', 'echo to-stdout; echo to-stderr >&2; exit 3']);
      expect(result).toEqual({ exitCode: 3, stdout: 'to-stdout\n', stderr: 'to-stderr\n' });
      expect((await app.exec(`${name}-web`, ['cat', '/tmp/ready'])).exitCode).toBe(0);
      expect(await app.logs(`${name}-solo`)).toBe('up\n');
      expect(await app.logs(`${name}-solo`, { previous: true })).toBe('');
      const events = await app.events({ kind: 'Pod', name: `${name}-solo` });
      expect(events.map((e) => e.reason)).toEqual(expect.arrayContaining(['Scheduled', 'Started']));

      // diagnostics: every part there, no secret anywhere
      const dir = await mkdtemp(path.join(os.tmpdir(), 'ct-diag-'));
      await app.collectDiagnostics(dir);
      const files = filesUnder(dir).map((file) => path.relative(dir, file));
      expect(files).toEqual(
        expect.arrayContaining([...diagnosticsFiles, path.join('logs', `${name}-solo`, 'app.log')]),
      );
      for (const file of filesUnder(dir)) expect(readFileSync(file, 'utf8')).not.toContain(password);
      expect(readFileSync(path.join(dir, 'manifest.yaml'), 'utf8')).toContain('DB_PASSWORD');
      expect(readFileSync(path.join(dir, 'not-ready.yaml'), 'utf8')).toContain('every object is ready');
    } finally {
      const claimName = `data-${app.releaseName}-db-0`;
      const { core } = kubeClients();
      const volume = (await core.readNamespacedPersistentVolumeClaim({ name: claimName, namespace: app.namespace }))
        .spec?.volumeName;
      await app.uninstall();
      await expect(
        core.readNamespacedPersistentVolumeClaim({ name: claimName, namespace: app.namespace }),
      ).rejects.toMatchObject({ code: 404 });
      if (volume) await expect(core.readPersistentVolume({ name: volume })).rejects.toMatchObject({ code: 404 });
      expect(await app.pods().then((p) => p.filter((pod) => pod.metadata?.labels?.component === 'solo'))).toHaveLength(
        0,
      );
    }
  }, 240_000);

  test('upgrade waits until no pod of the old revision is left; rollback goes back', async () => {
    const values = await busyboxValues({ kind: 'deployment', replicas: 2, delaySeconds: 1, message: 'first' });
    await using app = await ChartDeployment.install(fixtureChart('slow-ready'), { values });
    const messages = async () =>
      (await app.pods()).map((pod) => pod.spec?.containers[0]?.env?.find((e) => e.name === 'MESSAGE')?.value);
    expect(await messages()).toEqual(['first', 'first']);

    const upgraded = await app.upgrade({ values: { ...values, message: 'second' } });
    expect(upgraded.revision).toBe(2);
    expect(await messages()).toEqual(['second', 'second']);

    const rolledBack = await app.rollback();
    expect(rolledBack.revision).toBe(3);
    expect(await messages()).toEqual(['first', 'first']);
    expect((await app.history()).map((h) => h.revision)).toEqual([1, 2, 3]);
  }, 240_000);

  test('upgrade of a StatefulSet and a DaemonSet waits for their rolling update to finish', async () => {
    const values = await busyboxValues({ message: 'first' });
    await using app = await ChartDeployment.install(fixtureChart('all-kinds'), { values });
    await app.upgrade({ values: { ...values, message: 'second' } });
    const { apps } = kubeClients();
    const db = await apps.readNamespacedStatefulSet({ name: `${app.releaseName}-db`, namespace: app.namespace });
    expect(db.status?.currentRevision).toBe(db.status?.updateRevision);
    expect(db.status?.readyReplicas).toBe(1);
    const pods = (await app.pods()).filter((pod) => ['db', 'agent'].includes(pod.metadata?.labels?.component ?? ''));
    expect(pods).toHaveLength(2);
    for (const pod of pods) {
      expect(pod.metadata?.deletionTimestamp).toBeUndefined();
      expect(pod.spec?.containers[0]?.env?.find((e) => e.name === 'MESSAGE')?.value).toBe('second');
      expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    }
  }, 240_000);

  test('a long wait prints one short line per change of what it waits for', async () => {
    const values = await busyboxValues({ delaySeconds: 4 });
    await using app = await ChartDeployment.install(fixtureChart('slow-ready'), { values, wait: false });
    const lines: string[] = [];
    const result = await waitForReady(await app.objects(), {
      label: `release ${app.releaseName}`,
      progress: (line) => lines.push(line),
      progressIntervalMs: 700,
    });
    expect(result.elapsedMs).toBeGreaterThan(3_000);
    // the per-change short lines of the wait (a reason seen on the way gets lines of its own, and on a loaded machine
    // a first line may come before the cluster's first list, when the wait knows no object yet: "0/0 ready")
    const periodic = lines.filter((line) => line.startsWith(`${app.releaseName}: `) && !line.includes(': 0/0 ready'));
    expect(periodic.length).toBeGreaterThanOrEqual(1);
    expect(periodic[0]).toMatch(
      new RegExp(`^${app.releaseName}: 0/1 ready, waiting on Pod ${app.releaseName} \\(phase`),
    );
    const withoutTime = periodic.map((line) => line.replace(/ \(\d+s\)$/, ''));
    expect(withoutTime.filter((line, i) => line === withoutTime[i - 1])).toEqual([]);
    expect(periodic.at(-1)).toMatch(/running, not ready|ContainerCreating|Pending/);
  }, 120_000);

  test('release names are unique across parallel installs of the same chart', async () => {
    const values = await busyboxValues({ delaySeconds: 0 });
    const apps = await Promise.all(
      [1, 2, 3].map(() => ChartDeployment.install(fixtureChart('slow-ready'), { values })),
    );
    try {
      expect(new Set(apps.map((a) => a.releaseName)).size).toBe(3);
      for (const a of apps) expect((await a.pods()).map((p) => p.metadata?.name)).toEqual([a.releaseName]);
    } finally {
      await Promise.all(apps.map((a) => a.uninstall()));
    }
  }, 180_000);
});
