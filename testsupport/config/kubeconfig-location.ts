import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors.ts';

/** The admin kubeconfig the embedded local cluster writes (scripts/cluster/common.sh). */
export function localClusterKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.CT_CLUSTER_STATE ?? '/var/lib/chart-testware/cluster', 'admin.kubeconfig');
}

/** The files of a KUBECONFIG value: one path, or a list joined with ":" as kubectl reads it. */
export function kubeconfigFiles(value: string): string[] {
  return value.split(path.delimiter).filter((file) => file.trim() !== '');
}

/** The user's own kubeconfig when KUBECONFIG is unset. */
export function homeKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.HOME || os.homedir(), '.kube', 'config');
}

/** Whether the client would find a kubeconfig on its own (KUBECONFIG, ~/.kube/config, or inside a pod). */
export function kubeconfigPresent(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.KUBERNETES_SERVICE_HOST) return true;
  const files = env.KUBECONFIG?.trim() ? kubeconfigFiles(env.KUBECONFIG) : [homeKubeconfigPath(env)];
  return files.some((file) => existsSync(file));
}

/**
 * Refuses a KUBECONFIG that names a file that is not there (or is not a file): the user pointed somewhere, and
 * the run must not go elsewhere. kubectl would skip a missing file of a list; a typo there is refused here too.
 */
export function checkKubeconfigEnv(env: NodeJS.ProcessEnv = process.env): void {
  const value = env.KUBECONFIG;
  if (value === undefined || value.trim() === '') return;
  for (const file of kubeconfigFiles(value)) {
    const problem = !existsSync(file) ? 'does not exist' : !statSync(file).isFile() ? 'is not a file' : undefined;
    if (problem) {
      throw new ConfigError(
        `KUBECONFIG names ${file}, which ${problem}${file === value ? '' : ` (KUBECONFIG="${value}")`}`,
        {
          hint: `point KUBECONFIG at a kubeconfig file (several joined with "${path.delimiter}"), or unset it: with no kubeconfig at all the runner uses the embedded local cluster`,
        },
      );
    }
  }
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
