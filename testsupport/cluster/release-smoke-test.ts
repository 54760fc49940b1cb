import type { KubernetesObject } from '@kubernetes/client-node';
import type { RunOptions } from '../config/options.ts';
import { kubeClients } from '../kube/kube-clients.ts';
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
  smoke: Omit<SmokeOptions, 'options'> = {},
): Promise<SmokeReport> {
  const nodes = (await kubeClients(release.options).core.listNode()).items.filter(
    (node) =>
      !node.spec?.unschedulable && node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  ).length;
  const expected = expectedContainers(await release.manifestObjects(), { nodes });
  return smokeTest(release.namespace, expected, { ...smoke, options: release.options });
}
