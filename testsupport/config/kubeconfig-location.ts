import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The admin kubeconfig the embedded local cluster writes (scripts/cluster/common.sh). */
export function localClusterKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.CT_CLUSTER_STATE ?? '/var/lib/chart-testware/cluster', 'admin.kubeconfig');
}

/** Whether the client would find a kubeconfig on its own (KUBECONFIG, ~/.kube/config, or inside a pod). */
export function kubeconfigPresent(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.KUBERNETES_SERVICE_HOST) return true;
  const files = env.KUBECONFIG?.split(path.delimiter).filter(Boolean) ?? [path.join(os.homedir(), '.kube', 'config')];
  return files.some((file) => existsSync(file));
}

/**
 * The kubeconfig file to use: KUBECONFIG when set; else none (the client's default lookup) when one would be found;
 * else the embedded local cluster's, when it has one — so benches and CLIs work after `npm run cluster:up` alone.
 */
export function resolveKubeconfig(env: NodeJS.ProcessEnv): string | undefined {
  if (env.KUBECONFIG?.trim()) return env.KUBECONFIG;
  if (kubeconfigPresent(env)) return undefined;
  const local = localClusterKubeconfigPath(env);
  return existsSync(local) ? local : undefined;
}
