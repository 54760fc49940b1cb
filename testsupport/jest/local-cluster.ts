import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { checkKubeconfigEnv, homeKubeconfigPath, kubeconfigPresent } from '../config/kubeconfig-location.ts';
import { packageRoot } from '../config/package-root.ts';
import { ChartTestwareError, ConfigError } from '../errors.ts';
import type { LocalClusterMode } from './runner-args.ts';

/** The kube context the user named, and how (`--kube-context` or `CHART_TESTWARE_KUBE_CONTEXT`). */
export interface GivenKubeContext {
  readonly name: string;
  readonly givenAs: string;
}

/**
 * Whether the run uses the embedded local cluster. In auto mode only when chart_deploy tests may run and the user
 * gave no kubeconfig at all (no KUBECONFIG, no ~/.kube/config, no kube context); a KUBECONFIG naming a missing file
 * or a context with no kubeconfig is a ConfigError, never a reason to go elsewhere; so is --local-cluster never with
 * no kubeconfig at all (it would otherwise fall back to the embedded cluster's own kubeconfig when that exists).
 */
export function usesEmbeddedCluster(
  mode: LocalClusterMode,
  needsCluster: boolean,
  env: NodeJS.ProcessEnv,
  kubeContext?: GivenKubeContext,
): boolean {
  if (!needsCluster) return false;
  if (mode === 'always') {
    if (kubeContext) {
      throw new ConfigError(
        `${kubeContext.givenAs} "${kubeContext.name}" cannot be combined with --local-cluster always`,
        {
          hint: 'the embedded local cluster has its own kubeconfig and context: drop one of the two',
        },
      );
    }
    return true;
  }
  checkKubeconfigEnv(env);
  if (kubeconfigPresent(env)) return false;
  if (mode === 'never') {
    throw new ConfigError(
      `--local-cluster never, but there is no kubeconfig (KUBECONFIG is unset and ${homeKubeconfigPath(env)} does not exist)`,
      {
        hint: 'set KUBECONFIG to the kubeconfig of the cluster to test on; or drop --local-cluster never to use the embedded local cluster',
      },
    );
  }
  if (kubeContext) {
    throw new ConfigError(
      `${kubeContext.givenAs} "${kubeContext.name}" names a context, but there is no kubeconfig (KUBECONFIG is unset and ${homeKubeconfigPath(env)} does not exist)`,
      { hint: 'set KUBECONFIG to the kubeconfig that has this context; or drop it to use the embedded local cluster' },
    );
  }
  return true;
}

/**
 * The kubeconfig of the embedded local cluster, brought up (idempotent) when usesEmbeddedCluster says so;
 * undefined when the run uses the kubeconfig it was given.
 */
export async function localClusterKubeconfig(
  mode: LocalClusterMode,
  needsCluster: boolean,
  env: NodeJS.ProcessEnv,
  kubeContext?: GivenKubeContext,
): Promise<string | undefined> {
  if (!usesEmbeddedCluster(mode, needsCluster, env, kubeContext)) return undefined;
  const script = path.join(packageRoot, 'scripts', 'cluster.sh');
  console.error(
    `chart-testware: ${mode === 'always' ? '--local-cluster always' : 'no kubeconfig given'}; bringing up the embedded local cluster (npm run cluster:up)`,
  );
  const up = await execa('bash', [script, 'up'], { stdout: 'inherit', stderr: 'inherit', reject: false });
  if (up.exitCode !== 0) {
    throw new ChartTestwareError(
      `the embedded local cluster did not come up (scripts/cluster.sh up exited ${up.exitCode})`,
      {
        hint: 'read the lines above and `npm run cluster:status`; or pass a kubeconfig (KUBECONFIG) and --local-cluster never',
      },
    );
  }
  const kubeconfig = (await execa('bash', [script, 'kubeconfig'])).stdout.trim().split('\n').at(-1)?.trim();
  if (!kubeconfig || !existsSync(kubeconfig)) {
    throw new ChartTestwareError(`scripts/cluster.sh kubeconfig printed no kubeconfig file ("${kubeconfig ?? ''}")`);
  }
  return kubeconfig;
}
