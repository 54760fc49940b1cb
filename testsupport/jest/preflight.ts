import type { RunOptions } from '../config/options.ts';

/** How long the one check of the cluster before a chart_deploy selection may take. */
export const preflightTimeoutMs = 5_000;

/**
 * Before Jest starts a selection that may deploy: one request to the cluster (bounded), so that an unreachable or
 * refusing cluster stops the run with one message naming the server and the cause, not a `fetch failed` per file.
 */
export async function preflight(options: RunOptions): Promise<void> {
  // loaded only here: a run without chart_deploy tests never loads the Kubernetes client
  const { checkCluster } = await import('../kube/cluster-check.ts');
  const cluster = await checkCluster(options, preflightTimeoutMs);
  const target = options.deployedNamespace
    ? `Test stage against ${await (await import('../cluster/deployed-release.ts')).checkDeployedTarget(options)}; no job namespace`
    : `job namespace ${options.testNamespace}`;
  console.error(
    `chart-testware: cluster ${cluster.server} (kube context "${cluster.context}", user "${cluster.user}") answers; ${target}`,
  );
}
