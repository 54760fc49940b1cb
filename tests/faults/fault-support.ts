// Shared by the fault tests: child runs on a fixture, and what a run may leave in the cluster.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { apiStatus, kubeClients } from '../../testsupport/kube/kube-clients.ts';
import { giveUp, waitUntil } from '../../testsupport/kube/wait-until.ts';
import { startRunner } from '../support/runner-process.ts';

export const gatedInstall = path.join('tests', 'faults', 'fixtures', 'gated-install.test.ts');

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

export function tempFile(prefix: string, name: string): string {
  return path.join(mkdtempSync(path.join(os.tmpdir(), `${prefix}-`)), name);
}

/** The runner on fixture `files` (as a person would start it), with its own reports folder. */
export function runFixtures(
  files: readonly string[],
  args: readonly string[],
  env: Record<string, string>,
): ReturnType<typeof startRunner> {
  return startRunner(['--marker', 'chart_deploy', ...args, ...files, '--testPathIgnorePatterns', '/node_modules/'], {
    CHART_TESTWARE_REPORTS_DIR: mkdtempSync(path.join(os.tmpdir(), 'ct-fault-reports-')),
    ...env,
  });
}

/** Resolves with the run's end as text once it ended; lets a wait give up when the run ends under it. */
export function endOf(run: ReturnType<typeof startRunner>): () => string | undefined {
  let ended: string | undefined;
  run.then((result) => {
    ended = `exit ${result.exitCode}: ${result.all?.slice(-3000)}`;
  });
  return () => ended;
}

/**
 * Waits until release `release` in `namespace` is in its readiness wait: helm returned (its release record says
 * deployed), its claim is bound and its pod runs, not ready (gated-ready waits for /tmp/ready).
 */
export async function waitForReadinessWait(
  namespace: string,
  release: string,
  ended: () => string | undefined,
): Promise<V1Pod> {
  const { core } = kubeClients();
  return await waitUntil(
    async () => {
      const end = ended();
      if (end) giveUp(`the run ended before its release was installed: ${end}`);
      const records = await core.listNamespacedSecret({ namespace, labelSelector: `owner=helm,name=${release}` });
      if (!records.items.some((secret) => secret.metadata?.labels?.status === 'deployed')) return undefined;
      const claim = await core.readNamespacedPersistentVolumeClaim({ name: `${release}-data`, namespace });
      if (claim.status?.phase !== 'Bound') return undefined;
      const pod = await core.readNamespacedPod({ name: release, namespace });
      return pod.status?.phase === 'Running' ? pod : undefined;
    },
    {
      timeout: 180_000,
      interval: 500,
      description: `release ${release} in ${namespace} to be installed and waited for`,
    },
  );
}

export function podReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export async function namespaceGone(name: string): Promise<boolean> {
  try {
    await kubeClients().core.readNamespace({ name });
    return false;
  } catch (error) {
    if (apiStatus(error) === 404) return true;
    throw error;
  }
}

/**
 * What is left in the cluster of namespaces whose names start with `prefix`: the namespaces, PersistentVolumes
 * bound to their claims or made by their releases, Roles in them, ClusterRoles and ClusterRoleBindings of their
 * releases. As "Kind name" lines.
 */
export async function leftoversOf(prefix: string): Promise<string[]> {
  const { core, objects } = kubeClients();
  const ours = (namespace: string | undefined) => !!namespace?.startsWith(prefix);
  const byRelease = (object: KubernetesObject) =>
    ours(object.metadata?.annotations?.['meta.helm.sh/release-namespace']);
  const left: string[] = [];
  for (const ns of (await core.listNamespace()).items) {
    if (ours(ns.metadata?.name)) left.push(`Namespace ${ns.metadata?.name}`);
  }
  for (const pv of (await core.listPersistentVolume()).items) {
    if (ours(pv.spec?.claimRef?.namespace) || byRelease(pv)) left.push(`PersistentVolume ${pv.metadata?.name}`);
  }
  for (const kind of ['Role', 'ClusterRole', 'ClusterRoleBinding']) {
    for (const item of (await objects.list('rbac.authorization.k8s.io/v1', kind)).items) {
      if (ours(item.metadata?.namespace) || byRelease(item)) left.push(`${kind} ${item.metadata?.name}`);
    }
  }
  return left;
}
