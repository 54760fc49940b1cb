import type { KubernetesObject, V1DaemonSet } from '@kubernetes/client-node';
import type { RunOptions } from '../config/options.ts';
import { apiStatus, kubeClients } from '../kube/kube-clients.ts';
import { runContext } from '../kube/run-context.ts';
import { expectedContainers } from './expected-containers.ts';
import { type SmokeOptions, type SmokeReport, smokeTest } from './smoke-test.ts';

/** What the smoke test needs of a release (a ChartDeployment, installed or attached). */
export interface SmokeTestedRelease {
  readonly namespace: string;
  readonly options: RunOptions;
  manifestObjects(): Promise<KubernetesObject[]>;
}

/**
 * The smoke test of one release: every long-running container its deployed manifest defines runs and none waits
 * (see smokeTest); only the pods of its own workloads count, so other releases in the namespace do not matter.
 */
export async function releaseSmokeTest(
  release: SmokeTestedRelease,
  smoke: Omit<SmokeOptions, 'context'> = {},
): Promise<SmokeReport> {
  const objects = await release.manifestObjects();
  const expected = expectedContainers(objects, { nodes: await daemonSetNodes(release, objects) });
  return smokeTest(release.namespace, expected, { ...smoke, context: runContext(release.options) });
}

/**
 * How many pods a DaemonSet of the release should run: the schedulable Ready nodes. An identity with rights in its
 * namespace only (an in-cluster Test-stage run) may not list nodes: then what the DaemonSet controller wants.
 */
async function daemonSetNodes(release: SmokeTestedRelease, objects: readonly KubernetesObject[]): Promise<number> {
  const daemonSets = objects.filter((object) => object.kind === 'DaemonSet');
  if (daemonSets.length === 0) return 1;
  const { core, apps } = kubeClients(release.options);
  try {
    return (await core.listNode()).items.filter(
      (node) =>
        !node.spec?.unschedulable && node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    ).length;
  } catch (error) {
    if (apiStatus(error) !== 403) throw error;
    const live: V1DaemonSet[] = await Promise.all(
      daemonSets.map((set) =>
        apps.readNamespacedDaemonSet({ name: set.metadata?.name ?? '', namespace: release.namespace }),
      ),
    );
    return Math.max(1, ...live.map((set) => set.status?.desiredNumberScheduled ?? 1));
  }
}
