// Acceptance of `--in-cluster --shards 2`: the real runner in a child process, as a person starts it, runs the
// fixtures of tests/fixtures/in-cluster (and the pod-network test) as an Indexed Job of two pods on the cluster.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { leftoverOfLabel } from '../../testsupport/cluster/cluster-leftovers.ts';
import { defaultEchoServerImage } from '../../testsupport/extras/echo-server.ts';
import { mark } from '../../testsupport/index.ts';
import { apiStatus, kubeClients } from '../../testsupport/kube/kube-clients.ts';
import { clusterKubeConfig, isEmbeddedCluster } from '../local-cluster/local-cluster.ts';
import { startRunner } from '../support/runner-process.ts';

// the project's own image is on the embedded cluster only; elsewhere name one with CHART_TESTWARE_IN_CLUSTER_IMAGE
const image =
  process.env.CHART_TESTWARE_IN_CLUSTER_IMAGE ??
  (isEmbeddedCluster(clusterKubeConfig()) ? defaultEchoServerImage() : undefined);
const inClusterTest = image ? test : test.skip;
const namespace = `${process.env.CHART_TESTWARE_NAMESPACE ?? 'ci'}-incluster`;
const fixtures = 'tests/fixtures/in-cluster';
const runTimeout = 420_000;

function inClusterRun(paths: readonly string[]) {
  const reportsDir = mkdtempSync(path.join(os.tmpdir(), 'in-cluster-run-'));
  const child = startRunner([
    '--in-cluster',
    '--shards',
    '2',
    '--image',
    image ?? '',
    '--all',
    '--test-namespace',
    namespace,
    '--reports-dir',
    reportsDir,
    '--config',
    `${fixtures}/jest.config.ts`,
    ...paths,
  ]);
  return { child, reportsDir };
}

/** The names of the test cases in a JUnit report, each as often as it appears. */
function junitCases(reportsDir: string): string[] {
  const junit = readFileSync(path.join(reportsDir, 'junit.xml'), 'utf8');
  return [...junit.matchAll(/<testcase classname="[^"]*" name="([^"]*)"/g)].map((match) => match[1] ?? '').sort();
}

/** What the run created and must have deleted: its namespace (with Job, pods, Role, ServiceAccount) and cluster RBAC. */
async function leftovers(): Promise<string[]> {
  const { core, objects } = kubeClients();
  const left: string[] = [];
  try {
    const ns = await core.readNamespace({ name: namespace });
    left.push(`namespace ${namespace} (${ns.metadata?.deletionTimestamp ? 'terminating' : 'active'})`);
    for (const kind of ['Job', 'Pod', 'Role', 'RoleBinding', 'ServiceAccount']) {
      const apiVersion = kind === 'Job' ? 'batch/v1' : kind.startsWith('Role') ? 'rbac.authorization.k8s.io/v1' : 'v1';
      const list = await objects.list(
        apiVersion,
        kind,
        namespace,
        undefined,
        undefined,
        undefined,
        undefined,
        'chart-testware.io/shards',
      );
      left.push(...list.items.map((item) => `${kind} ${item.metadata?.name}`));
    }
  } catch (error) {
    if (apiStatus(error) !== 404) throw error;
  }
  for (const kind of ['ClusterRole', 'ClusterRoleBinding']) {
    const list = await objects.list(
      'rbac.authorization.k8s.io/v1',
      kind,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      `${leftoverOfLabel}=${namespace}`,
    );
    left.push(...list.items.map((item) => `${kind} ${item.metadata?.name}`));
  }
  return left;
}

mark('chart_deploy').describe('--in-cluster --shards 2', () => {
  describe(
    image ? `image ${image}` : 'skipped: not the embedded cluster and no CHART_TESTWARE_IN_CLUSTER_IMAGE',
    () => {
      inClusterTest(
        'runs both shards, merges one JUnit with every test once, exits 0 with only a quarantined failure, leaves nothing',
        async () => {
          const { child, reportsDir } = inClusterRun([
            `${fixtures}/echo-server.fixture.ts`,
            `${fixtures}/quarantined-failure.fixture.ts`,
            'tests/in-cluster/pod-network.test.ts',
          ]);
          const run = await child;
          expect(run.exitCode === 0 ? 'exit 0' : `exit ${run.exitCode}:\n${run.all}`).toBe('exit 0');
          expect(run.all).toContain('[shard 1/2] ');
          expect(run.all).toContain('[shard 2/2] ');
          expect(run.all).toContain('quarantined test failed (does not fail the run)');
          expect(junitCases(reportsDir)).toEqual(
            [
              'a quarantined failure (never fails the run)',
              'an EchoServer deployed from a shard echoes a line',
              "reaches an EchoServer by its Service's cluster DNS name and by its pod IP",
            ].sort(),
          );
          const junit = readFileSync(path.join(reportsDir, 'junit.xml'), 'utf8');
          expect(junit).not.toContain('<skipped/>'); // the pod-network test ran in its shard
          expect(await leftovers()).toEqual([]);
        },
        runTimeout,
      );

      inClusterTest(
        'exits 1 when a test fails, and says which',
        async () => {
          const { child, reportsDir } = inClusterRun([
            `${fixtures}/failing.fixture.ts`,
            `${fixtures}/quarantined-failure.fixture.ts`,
          ]);
          const run = await child;
          expect(run.exitCode === 1 ? 'exit 1' : `exit ${run.exitCode}:\n${run.all}`).toBe('exit 1');
          expect(run.all).toContain('a failing test (fails the run)');
          expect(run.all).toMatch(/tests: 0 passed, 1 failed/);
          expect(junitCases(reportsDir)).toEqual(
            ['a failing test (fails the run)', 'a quarantined failure (never fails the run)'].sort(),
          );
          expect(await leftovers()).toEqual([]);
        },
        runTimeout,
      );

      inClusterTest(
        'Ctrl-C during the run stops the shards and leaves no Job, pod, Role or ServiceAccount',
        async () => {
          const { child } = inClusterRun([`${fixtures}/long-running.fixture.ts`, `${fixtures}/failing.fixture.ts`]);
          let output = '';
          await new Promise<void>((resolve, reject) => {
            child.all?.on('data', (chunk: Buffer) => {
              output += chunk.toString();
              if (output.includes('long-running fixture: deployed')) resolve();
            });
            child.then(() => reject(new Error(`the run ended before the fixture deployed:\n${output}`)), reject);
          });
          child.kill('SIGINT');
          const run = await child;
          expect(run.exitCode === 130 ? 'exit 130' : `exit ${run.exitCode}:\n${run.all}`).toBe('exit 130');
          expect(run.all).toContain('stopping the in-cluster shards');
          expect(await leftovers()).toEqual([]);
        },
        runTimeout,
      );
    },
  );
});
