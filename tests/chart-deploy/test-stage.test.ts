// The Test stage: tango-base deployed by plain `helm install` (as a pipeline's deploy job would), then a Test-stage
// suite run through the real runner with --deployed-namespace. The release and its namespace must be exactly as
// they were: same revision, same objects (uid, resourceVersion), the namespace untouched, nothing added.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { execa } from 'execa';
import { ChartDeployment } from '../../testsupport/cluster/chart-deployment.ts';
import { DeployedReleaseError } from '../../testsupport/cluster/deployed-release.ts';
import { manifestObjects } from '../../testsupport/cluster/release-manifest.ts';
import { loadOptions, type RunOptions, resolveOptions } from '../../testsupport/config/options.ts';
import { readChartMetadata } from '../../testsupport/helm/chart-files.ts';
import { resolveHelmBinary } from '../../testsupport/helm/helm-binary.ts';
import { mark } from '../../testsupport/index.ts';
import { apiStatus, kubeClients } from '../../testsupport/kube/kube-clients.ts';
import { knownKind } from '../../testsupport/kube/object-ref.ts';
import { waitUntil } from '../../testsupport/kube/wait-until.ts';
import { projectRoot, startRunner } from '../support/runner-process.ts';
import { diagnosticsFiles, filesUnder } from './fixtures.ts';

const tangoBaseVersion = readChartMetadata(path.join(projectRoot, 'charts', 'tango-base')).version;

const options = loadOptions();
/** Its own namespace (`<job namespace>-deployed-<random>`), made by helm, not by chart-testware. */
const namespace = `${options.testNamespace}-deployed-${randomBytes(3).toString('hex')}`.slice(0, 63);
const release = 'tango';
/** The job namespace the Test-stage runs would use if they made one (they must not): a name only they can take. */
const stageJobNamespace = `${options.testNamespace}-stage-${randomBytes(3).toString('hex')}`.slice(0, 63);
const fixtures = path.join('tests', 'chart-deploy', 'fixtures');
const fixture = path.join(fixtures, 'deployed-tango.test.ts');

async function helm(args: readonly string[]) {
  const binary = await resolveHelmBinary();
  const kubeconfig = options.kubeconfig ? ['--kubeconfig', options.kubeconfig] : [];
  return execa(binary.path, [...args, '--namespace', namespace, ...kubeconfig], { reject: false, all: true });
}

/** What must not change, per object: identity and version, and the object less what controllers keep up to date. */
interface ObjectState {
  readonly uid: string | undefined;
  readonly resourceVersion: string | undefined;
  /** metadata (less resourceVersion and managedFields) and everything but status, as JSON. */
  readonly body: string;
  /** managedFields entries: who wrote which part, and when. */
  readonly writers: readonly { manager?: string; operation?: string; subresource?: string; time?: unknown }[];
}

type Snapshot = Map<string, ObjectState>;

function stateOf(object: KubernetesObject): ObjectState {
  const { status: _status, ...rest } = object as KubernetesObject & { status?: unknown };
  const { resourceVersion, managedFields, ...metadata } = object.metadata ?? {};
  return {
    uid: object.metadata?.uid,
    resourceVersion,
    body: JSON.stringify({ ...rest, metadata }),
    writers: (managedFields ?? []).map(({ manager, operation, subresource, time }) => ({
      manager,
      operation,
      subresource,
      time: time ? new Date(time).toISOString() : undefined,
    })),
  };
}

/** The release's objects (from its manifest), helm's release records, every Lease, and the namespace itself. */
async function snapshot(): Promise<Snapshot> {
  const { core, objects } = kubeClients(options);
  const manifest = await helm(['get', 'manifest', release]);
  expect(manifest.exitCode).toBe(0);
  const found: Snapshot = new Map();
  for (const object of manifestObjects(manifest.stdout)) {
    const namespaced = knownKind(object.kind ?? '')?.namespaced !== false;
    const live = await objects.read({
      apiVersion: object.apiVersion ?? '',
      kind: object.kind ?? '',
      metadata: { name: object.metadata?.name ?? '', ...(namespaced ? { namespace } : {}) },
    });
    found.set(`${object.kind}/${object.metadata?.name}`, stateOf(live));
  }
  for (const secret of (await core.listNamespacedSecret({ namespace, labelSelector: 'owner=helm' })).items) {
    found.set(`helm-record/${secret.metadata?.name}`, stateOf({ ...secret, kind: 'Secret', apiVersion: 'v1' }));
  }
  // a run's heartbeat is a Lease in each of its namespaces: there must be none here
  const leases = await objects.list('coordination.k8s.io/v1', 'Lease', namespace);
  for (const lease of leases.items) found.set(`Lease/${lease.metadata?.name}`, stateOf(lease));
  found.set('the namespace', stateOf({ ...(await core.readNamespace({ name: namespace })), kind: 'Namespace' }));
  return found;
}

/**
 * The same objects, unchanged. A controller may update an object's status meanwhile (a StatefulSet's counts when
 * a probe blinks on a loaded node): a new resourceVersion is accepted only when its only new writes are to the
 * status subresource and everything but the status is equal. Anything this run wrote would show.
 */
function expectUnchanged(before: Snapshot, after: Snapshot): void {
  expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
  for (const [key, was] of before) {
    const now = after.get(key) as ObjectState;
    expect({ key, uid: now.uid, body: now.body }).toEqual({ key, uid: was.uid, body: was.body });
    if (now.resourceVersion === was.resourceVersion) continue;
    const known = new Set(was.writers.map((writer) => JSON.stringify(writer)));
    const newWrites = now.writers.filter((writer) => !known.has(JSON.stringify(writer)));
    expect({ key, newWrites: newWrites.filter((writer) => writer.subresource !== 'status') }).toEqual({
      key,
      newWrites: [],
    });
  }
}

/**
 * The namespaces of ours a Test-stage run could make or delete, by uid: this run's job namespace and any under the
 * name the Test-stage runs were given. (Other test files make and delete namespaces of their own meanwhile.)
 */
async function namespacesOfOurs(): Promise<string[]> {
  const { items } = await kubeClients(options).core.listNamespace({
    labelSelector: 'app.kubernetes.io/managed-by=chart-testware',
  });
  return items
    .filter((ns) => ns.metadata?.name === options.testNamespace || ns.metadata?.name?.startsWith(stageJobNamespace))
    .map((ns) => `${ns.metadata?.name} ${ns.metadata?.uid}`)
    .sort();
}

function runTestStage(args: readonly string[], testFile = fixture, reportsDir = tempReportsDir()) {
  return startRunner(
    [
      '--marker',
      'chart_deploy',
      ...args,
      testFile,
      // the fixture lives under fixtures/, which the preset ignores
      '--testPathIgnorePatterns',
      '/node_modules/',
    ],
    { CHART_TESTWARE_REPORTS_DIR: reportsDir, CHART_TESTWARE_NAMESPACE: stageJobNamespace },
  );
}

function tempReportsDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'ct-test-stage-reports-'));
}

let before: Snapshot;

mark('chart_deploy').describe('the Test stage against a release deployed by plain helm', () => {
  beforeAll(async () => {
    const chart = path.join(projectRoot, 'charts', 'tango-base');
    const installed = await helm(['install', release, chart, '--create-namespace', '--wait', '--timeout', '8m']);
    if (installed.exitCode !== 0) throw new Error(`helm install failed:\n${installed.all}`);
    before = await snapshot();
  }, 600_000);

  afterAll(async () => {
    await helm(['uninstall', release, '--wait', '--timeout', '5m']);
    const { core } = kubeClients(options);
    await core.deleteNamespace({ name: namespace }).catch((error: unknown) => {
      if (apiStatus(error) !== 404) throw error;
    });
    await waitUntil(
      () =>
        core.readNamespace({ name: namespace }).then(
          () => false,
          (error: unknown) => apiStatus(error) === 404,
        ),
      { timeout: 180_000, interval: 500, description: `namespace ${namespace} to be deleted` },
    );
  }, 600_000);

  test('a suite run with --deployed-namespace passes and leaves release and namespace exactly as they were', async () => {
    const historyBefore = await helm(['history', release, '--output', 'json']);
    const oursBefore = await namespacesOfOurs();
    const run = await runTestStage(['--deployed-namespace', namespace]);
    // the whole output in the diff when it fails
    expect({ exitCode: run.exitCode, output: run.all }).toEqual({
      exitCode: 0,
      output: expect.stringMatching(/tests: 8 passed, 0 failed/),
    });
    expect(run.all).toContain(
      `Test stage against release ${release} in namespace ${namespace} (tango-base-${tangoBaseVersion},`,
    );

    expectUnchanged(before, await snapshot());
    const historyAfter = await helm(['history', release, '--output', 'json']);
    expect(JSON.parse(historyAfter.stdout)).toEqual(JSON.parse(historyBefore.stdout));
    const status = JSON.parse((await helm(['status', release, '--output', 'json'])).stdout);
    expect({ revision: status.version, status: status.info.status }).toEqual({ revision: 1, status: 'deployed' });
    // and the run made (or deleted) no job namespace: ours are the same ones, with the same uids
    expect(await namespacesOfOurs()).toEqual(oursBefore);
  }, 900_000);

  test('--in-cluster: the Test-stage suite runs in a pod beside the deployed system and takes its Job and RBAC away', async () => {
    const run = await runTestStage(['--deployed-namespace', namespace, '--in-cluster']);
    expect({ exitCode: run.exitCode, output: run.all }).toEqual({
      exitCode: 0,
      output: expect.stringMatching(/tests: 8 passed, 0 failed/),
    });
    expect(run.all).toContain(`in-cluster run: Job ${namespace}/`);
    expect(run.all).toMatch(/\[shard 1\/1\] .*✓ the TangoTest device answers over exec/);
    expectUnchanged(before, await snapshot());
    const { core, batch } = kubeClients(options);
    const left = [
      ...(await batch.listNamespacedJob({ namespace })).items,
      ...(await core.listNamespacedServiceAccount({ namespace })).items,
      ...(await core.listNamespacedPod({ namespace })).items,
    ].filter((object) => object.metadata?.labels?.['chart-testware.io/shards'] !== undefined);
    expect(left.map((object) => object.metadata?.name)).toEqual([]);
  }, 900_000);

  test("a failing Test-stage test saves the attached release's diagnostics, and still changes nothing", async () => {
    const reportsDir = tempReportsDir();
    const run = await runTestStage(
      ['--deployed-namespace', namespace],
      path.join(fixtures, 'deployed-tango-fails.test.ts'),
      reportsDir,
    );
    expect({ exitCode: run.exitCode, output: run.all }).toEqual({
      exitCode: 1,
      output: expect.stringMatching(/tests: 0 passed, 1 failed/),
    });
    const artifacts = filesUnder(path.join(reportsDir, 'artifacts')).map((file) => path.basename(file));
    expect(artifacts).toEqual(expect.arrayContaining([...diagnosticsFiles, 'databaseds.log', 'tangotest.log']));
    expectUnchanged(before, await snapshot());
  }, 600_000);

  test('a namespace that does not exist: exit 4, naming the flag and the namespace, before Jest starts', async () => {
    const missing = `${options.testNamespace}-nowhere-${randomBytes(3).toString('hex')}`;
    const run = await runTestStage(['--deployed-namespace', missing]);
    expect(run.exitCode).toBe(4);
    expect(run.all).toContain(`--deployed-namespace "${missing}": namespace ${missing} does not exist`);
    expect(run.all).not.toMatch(/PASS|FAIL|\n\s+at /);
  }, 300_000);

  test('a release that does not exist: exit 4, naming it and listing the releases there', async () => {
    const run = await runTestStage(['--deployed-namespace', namespace, '--release', 'nope']);
    expect(run.exitCode).toBe(4);
    expect(run.all).toContain(`--release "nope": there is no helm release nope in namespace ${namespace}`);
    expect(run.all).toMatch(new RegExp(`releases in ${namespace}: ${release} \\(tango-base-[^,]+, deployed\\)`));
    expect(run.all).not.toMatch(/PASS|FAIL|\n\s+at /);
  }, 300_000);

  test('attach() in a test: clear errors for a missing namespace or release, and the release by name', async () => {
    await expect(ChartDeployment.attach({ namespace: `${namespace}-missing`.slice(0, 63) })).rejects.toThrow(
      /ChartDeployment\.attach\(\{ namespace \}\) "\S+": namespace \S+ does not exist/,
    );
    const noRelease = ChartDeployment.attach({ namespace, release: 'absent' });
    await expect(noRelease).rejects.toThrow(DeployedReleaseError);
    await expect(noRelease).rejects.toThrow(/attach\(\{ release \}\) "absent": there is no helm release absent/);
    await using tango = await ChartDeployment.attach({ namespace, release });
    expect(tango).toMatchObject({ attached: true, releaseName: release, namespace });
    expect(tango.release?.revision).toBe(1);
  }, 120_000);

  test('with rights in the namespace only (as an in-cluster job has): attach, queries, exec and the smoke test', async () => {
    const limited = await namespaceOnlyIdentity();
    try {
      const clients = kubeClients(limited.options);
      // it may not read the namespace nor list nodes: attach must not need either
      await expect(clients.core.readNamespace({ name: namespace })).rejects.toMatchObject({ code: 403 });
      await expect(clients.core.listNode()).rejects.toMatchObject({ code: 403 });
      const tango = await ChartDeployment.attach({ options: limited.options, namespace });
      expect(tango.releaseName).toBe(release);
      const pod = await tango.pod('tangotest');
      expect(await tango.exec(pod.metadata?.name ?? '', ['true'], { timeout: 60_000 })).toMatchObject({ exitCode: 0 });
      const smoke = await tango.smokeTest({ timeout: 120_000 });
      expect({ ok: smoke.ok, running: smoke.running }).toEqual({ ok: true, running: smoke.expected });
    } finally {
      await limited.remove();
    }
  }, 300_000);

  // last: it adds a second release to the namespace (and removes it)
  test('attach() without a name asks which; --release picks one for the whole suite', async () => {
    const other = await helm(['install', 'echo', path.join(projectRoot, 'tests', 'fixtures', 'charts', 'values-echo')]);
    expect({ exitCode: other.exitCode, output: other.all }).toMatchObject({ exitCode: 0 });
    try {
      await expect(ChartDeployment.attach({ namespace })).rejects.toThrow(
        `namespace ${namespace} holds 2 helm releases (echo, ${release}): which one to attach to?`,
      );
      const run = await runTestStage(['--deployed-namespace', namespace, '--release', release]);
      expect({ exitCode: run.exitCode, output: run.all }).toEqual({
        exitCode: 0,
        output: expect.stringMatching(/tests: 8 passed, 0 failed/),
      });
      expect(run.all).toContain(
        `Test stage against release ${release} in namespace ${namespace} (tango-base-${tangoBaseVersion},`,
      );
    } finally {
      await helm(['uninstall', 'echo', '--wait']);
    }
  }, 600_000);
});

/**
 * A ServiceAccount in the deployed namespace with a Role for what attach and its queries read (no cluster-wide
 * rights), and a kubeconfig file with a 10-minute token of it; `remove()` deletes all three.
 */
async function namespaceOnlyIdentity(): Promise<{ options: RunOptions; remove(): Promise<void> }> {
  const { config, objects, core } = kubeClients(options);
  const name = `ct-test-stage-${randomBytes(2).toString('hex')}`;
  const read = ['get', 'list', 'watch'];
  const rbac: KubernetesObject[] = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name, namespace },
      rules: [
        {
          apiGroups: [''],
          resources: ['pods', 'pods/log', 'services', 'secrets', 'events', 'persistentvolumeclaims'],
          verbs: read,
        },
        { apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] },
        { apiGroups: ['apps'], resources: ['statefulsets', 'deployments', 'daemonsets', 'replicasets'], verbs: read },
      ],
    } as KubernetesObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    } as KubernetesObject,
  ];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ct-test-stage-identity-'));
  const remove = async () => {
    rmSync(dir, { recursive: true, force: true });
    for (const object of rbac.reverse()) {
      await objects.delete(object).catch((error: unknown) => {
        if (apiStatus(error) !== 404) throw error;
      });
    }
  };
  try {
    for (const object of rbac) await objects.create(object);
    const token = (
      await core.createNamespacedServiceAccountToken({ name, namespace, body: { spec: { expirationSeconds: 600 } } })
    ).status?.token;
    const cluster = config.getCurrentCluster();
    if (!token || !cluster) throw new Error('no token for the ServiceAccount, or no current cluster in the kubeconfig');
    const limited = new KubeConfig();
    limited.loadFromOptions({
      clusters: [cluster],
      users: [{ name, token }],
      contexts: [{ name, cluster: cluster.name, user: name }],
      currentContext: name,
    });
    const file = path.join(dir, 'kubeconfig.yaml');
    // a test identity's short-lived token, in a private folder removed with the identity
    writeFileSync(file, limited.exportConfig(), { mode: 0o600 });
    return { options: resolveOptions({}, { KUBECONFIG: file, CHART_TESTWARE_RUN_ID: options.runId }), remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
