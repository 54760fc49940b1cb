// charts/tango-base rendered with no cluster: the layout the issue names and the chart guidelines' rules
// (names carry the release, standard labels, parameterised images never `latest`, requests and limits everywhere,
// storage rules, ClusterIP services with named ports, non-root pods, helm test pods).
import path from 'node:path';
import { beforeAll, describe, expect, test } from '@jest/globals';
import type {
  KubernetesObject,
  V1Container,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1PodSpec,
  V1Service,
  V1StatefulSet,
  V1StorageClass,
} from '@kubernetes/client-node';
import { ChartRenderError, HelmChart, HelmTestAdaptor, mark } from '../../testsupport/index.ts';

const chartDir = path.resolve(import.meta.dirname, '..', '..', 'charts', 'tango-base');
const release = 'rendertest';
const namespace = 'tango-ns';

function podSpecs(chart: HelmChart): { owner: string; spec: V1PodSpec }[] {
  return chart.documents.flatMap(({ object }) => {
    const o = object as KubernetesObject & { spec?: { template?: { spec?: V1PodSpec } } & V1PodSpec };
    const spec = o.kind === 'Pod' ? o.spec : (o.spec?.template?.spec ?? undefined);
    return spec ? [{ owner: `${o.kind}/${o.metadata?.name}`, spec: spec as V1PodSpec }] : [];
  });
}

function containers(spec: V1PodSpec): V1Container[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

mark('no_deploy').describe('charts/tango-base rendered', () => {
  let chart: HelmChart;
  beforeAll(async () => {
    chart = await HelmChart.render(chartDir, {
      releaseName: release,
      namespace,
      values: { itango: { enabled: true } },
    });
  });

  test('helm lint --strict reports nothing, with the default values and with every switch flipped', async () => {
    const helm = await HelmTestAdaptor.create();
    for (const values of [{}, { itango: { enabled: true }, tangodb: { pv: { enabled: false } } }]) {
      const result = await helm.lint(chartDir, { strict: true, values });
      expect(result.messages).toEqual([]);
    }
  });

  test('has the layout of the SKAMPI tango-base chart', () => {
    const byTemplate = (t: string) => chart.fromTemplate(t).map((d) => `${d.object.kind}/${d.object.metadata?.name}`);
    expect(byTemplate('templates/tangodb.yaml')).toEqual([
      `Service/tangodb-tango-base-${release}`,
      `StatefulSet/tangodb-tango-base-${release}`,
    ]);
    expect(byTemplate('templates/databaseds.yaml')).toEqual([
      `Service/databaseds-tango-base-${release}`,
      `StatefulSet/databaseds-tango-base-${release}`,
    ]);
    expect(byTemplate('templates/tangotest.yaml')).toContain(`StatefulSet/tangotest-tango-base-${release}`);
    expect(byTemplate('templates/itango.yaml')).toEqual([`Deployment/itango-tango-base-${release}`]);
    expect(byTemplate('templates/tangodb-pv.yaml')).toEqual(
      expect.arrayContaining([
        `PersistentVolume/tangodb-tango-base-${release}-${namespace}`,
        `PersistentVolumeClaim/tangodb-tango-base-${release}`,
      ]),
    );
    expect(byTemplate('templates/tests/tangotest-ping-test.yaml')).toEqual([
      `Pod/tangotest-tango-base-${release}-ping-test`,
    ]);
  });

  test('every object name contains the release name and carries the standard labels', () => {
    for (const { object } of chart.documents) {
      const name = object.metadata?.name ?? '';
      const labels = object.metadata?.labels ?? {};
      expect({ name, hasRelease: name.includes(release) }).toEqual({ name, hasRelease: true });
      expect(labels).toMatchObject({
        'app.kubernetes.io/instance': release,
        'app.kubernetes.io/managed-by': 'Helm',
        'helm.sh/chart': 'tango-base-0.2.0',
        'app.kubernetes.io/part-of': 'tango',
      });
      expect(labels['app.kubernetes.io/name']).toContain(release);
    }
  });

  test('images are parameterised, explicit and pulled IfNotPresent; every container has requests and limits', () => {
    const specs = podSpecs(chart);
    expect(specs.length).toBeGreaterThanOrEqual(6);
    for (const { owner, spec } of specs) {
      expect({ owner, automount: spec.automountServiceAccountToken }).toEqual({ owner, automount: false });
      for (const c of containers(spec)) {
        const where = `${owner} container ${c.name}`;
        expect({ where, image: c.image }).toEqual({
          where,
          image: expect.stringMatching(/^chart-testware\.local\/(tangodb|tango-cs):[\w.-]+$/),
        });
        expect(c.image).not.toMatch(/:latest$/);
        expect({ where, pullPolicy: c.imagePullPolicy }).toEqual({ where, pullPolicy: 'IfNotPresent' });
        for (const kind of ['requests', 'limits'] as const) {
          expect({ where, kind, cpu: !!c.resources?.[kind]?.cpu, memory: !!c.resources?.[kind]?.memory }).toEqual({
            where,
            kind,
            cpu: true,
            memory: true,
          });
        }
      }
    }
  });

  test('the long-running containers run as non-root with a read-only root filesystem; only chown/cleanup is root', () => {
    for (const { owner, spec } of podSpecs(chart)) {
      for (const c of containers(spec)) {
        const ctx = c.securityContext ?? {};
        const where = `${owner} container ${c.name}`;
        expect({ where, escalation: ctx.allowPrivilegeEscalation, ro: ctx.readOnlyRootFilesystem }).toEqual({
          where,
          escalation: false,
          ro: true,
        });
        if (ctx.runAsUser === 0) {
          expect({ where, root: true }).toEqual({
            where: expect.stringMatching(/datadir-owner|remove-data/),
            root: true,
          });
        } else {
          expect({ where, nonRoot: ctx.runAsNonRoot }).toEqual({ where, nonRoot: true });
        }
      }
    }
  });

  test('every component points TANGO_HOST at this release DataBaseds Service, which exists with a named port', () => {
    const service = chart.get<V1Service>('Service', `databaseds-tango-base-${release}`);
    expect(service.spec?.type).toBe('ClusterIP');
    expect(service.spec?.ports).toEqual([expect.objectContaining({ name: 'tango', port: 10000 })]);
    const hosts = podSpecs(chart).flatMap(({ spec }) =>
      containers(spec).flatMap((c) => (c.env ?? []).filter((e) => e.name === 'TANGO_HOST').map((e) => e.value)),
    );
    expect(hosts.length).toBeGreaterThanOrEqual(4);
    expect(new Set(hosts)).toEqual(new Set([`databaseds-tango-base-${release}:10000`]));
    for (const svc of chart.ofKind('Service')) {
      expect(svc.spec?.type).toBe('ClusterIP');
      for (const port of svc.spec?.ports ?? []) expect(port.name).toMatch(/^[a-z][a-z0-9-]*$/);
    }
  });

  test('DataBaseds runs on port 10000 with the liveness probe that restarts it when MariaDB went away', () => {
    const sts = chart.get<V1StatefulSet>('StatefulSet', `databaseds-tango-base-${release}`);
    const c = sts.spec?.template.spec?.containers[0] as V1Container;
    expect(c.command).toEqual(['DataBaseds', '2', '-ORBendPoint', 'giop:tcp::10000']);
    expect(c.securityContext?.runAsUser).toBe(1000);
    expect(c.livenessProbe).toMatchObject({
      exec: { command: ['env', 'TANGO_HOST=localhost:10000', 'tango_admin', '--ping-database'] },
      periodSeconds: 5,
      failureThreshold: 2,
    });
    expect((c.env ?? []).map((e) => e.name)).toEqual(
      expect.arrayContaining(['MYSQL_HOST', 'MYSQL_USER', 'MYSQL_PASSWORD', 'MYSQL_DATABASE']),
    );
  });

  test('databaseds.livenessProbe.enabled false leaves DataBaseds without its liveness probe (to show the trap)', async () => {
    const without = await HelmChart.render(chartDir, {
      releaseName: release,
      namespace,
      values: { databaseds: { livenessProbe: { enabled: false } } },
    });
    const sts = without.get<V1StatefulSet>('StatefulSet', `databaseds-tango-base-${release}`);
    const c = sts.spec?.template.spec?.containers[0] as V1Container;
    expect(c.livenessProbe).toBeUndefined();
    expect(c.readinessProbe?.exec?.command).toContain('--ping-database');
  });

  test('TangoTest is a StatefulSet that registers its device first and is ready when it answers a ping', () => {
    const sts = chart.get<V1StatefulSet>('StatefulSet', `tangotest-tango-base-${release}`);
    const spec = sts.spec?.template.spec as V1PodSpec;
    expect(spec.initContainers?.[0]?.command?.join(' ')).toMatch(/--ping-database 120 && tango_admin --add-server/);
    const probe = spec.containers[0]?.readinessProbe;
    expect(probe?.exec?.command).toEqual(['tango_admin', '--ping-device', 'sys/tg_test/1']);
    expect(probe?.timeoutSeconds).toBeGreaterThanOrEqual(4);
  });

  test('storage: PV with reclaim Delete, explicit mode and access, reserved for the claim by a WaitForFirstConsumer class', () => {
    const pv = chart.get<V1PersistentVolume>('PersistentVolume');
    const pvc = chart.get<V1PersistentVolumeClaim>('PersistentVolumeClaim');
    const sc = chart.get<V1StorageClass>('StorageClass');
    expect(sc).toMatchObject({
      provisioner: 'kubernetes.io/no-provisioner',
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Delete',
    });
    expect(pv.spec).toMatchObject({
      persistentVolumeReclaimPolicy: 'Delete',
      volumeMode: 'Filesystem',
      accessModes: ['ReadWriteOnce'],
      storageClassName: sc.metadata?.name,
      claimRef: { namespace, name: pvc.metadata?.name },
    });
    // A claim naming its volume would be "immediate" for the scheduler, defeating WaitForFirstConsumer.
    expect(pvc.spec?.volumeName).toBeUndefined();
    expect(pvc.spec).toMatchObject({ storageClassName: sc.metadata?.name, volumeMode: 'Filesystem' });
    const db = chart.get<V1StatefulSet>('StatefulSet', `tangodb-tango-base-${release}`);
    expect(db.spec?.template.spec?.volumes).toContainEqual({
      name: 'data',
      persistentVolumeClaim: { claimName: pvc.metadata?.name },
    });
  });

  test('storage with a named class (standard): no class of its own, the PVC names class and volume', async () => {
    const named = await HelmChart.render(chartDir, {
      releaseName: release,
      namespace,
      values: { tangodb: { pv: { storageClassName: 'standard' } } },
    });
    expect(named.ofKind('StorageClass')).toEqual([]);
    const pv = named.get<V1PersistentVolume>('PersistentVolume');
    const pvc = named.get<V1PersistentVolumeClaim>('PersistentVolumeClaim');
    expect(pv.spec?.storageClassName).toBe('standard');
    expect(pvc.spec).toMatchObject({ storageClassName: 'standard', volumeName: pv.metadata?.name });
  });

  test('helm test pods run to completion and are named ...-test', () => {
    const tests = chart.find({ kind: 'Pod' }).filter((d) => d.template.includes('/templates/tests/'));
    expect(tests).toHaveLength(1);
    for (const { object } of tests) {
      const pod = object as KubernetesObject & { spec: V1PodSpec };
      expect(pod.metadata?.name).toMatch(/-test$/);
      expect(pod.spec.restartPolicy).toBe('Never');
      expect(pod.metadata?.annotations?.['helm.sh/hook']).toBe('test');
    }
  });

  describe('switches', () => {
    test('tangodb.pv.enabled=false: no PV/PVC, the database lives in an emptyDir', async () => {
      const noPv = await HelmChart.render(chartDir, {
        releaseName: release,
        values: { tangodb: { pv: { enabled: false } } },
      });
      expect(noPv.ofKind('PersistentVolume')).toEqual([]);
      expect(noPv.ofKind('PersistentVolumeClaim')).toEqual([]);
      const db = noPv.get<V1StatefulSet>('StatefulSet', `tangodb-tango-base-${release}`);
      expect(db.spec?.template.spec?.volumes).toContainEqual({ name: 'data', emptyDir: {} });
      expect(db.spec?.template.spec?.initContainers).toBeUndefined();
    });

    test('itango is off by default', async () => {
      const defaults = await HelmChart.render(chartDir, { releaseName: release });
      expect(defaults.ofKind('Deployment')).toEqual([]);
    });

    test('an image tag of latest is refused with a message naming the image', async () => {
      await expect(
        HelmChart.render(chartDir, { releaseName: release, values: { tangotest: { image: { tag: 'latest' } } } }),
      ).rejects.toThrow(ChartRenderError);
      await expect(
        HelmChart.render(chartDir, { releaseName: release, values: { tangotest: { image: { tag: 'latest' } } } }),
      ).rejects.toThrow(/chart-testware\.local\/tango-cs needs an explicit version tag/);
    });

    test('an empty database password is refused', async () => {
      await expect(
        HelmChart.render(chartDir, { releaseName: release, values: { tangodb: { password: '' } } }),
      ).rejects.toThrow(/tangodb.password is required/);
    });
  });
});
