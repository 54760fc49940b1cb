import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { checkKubeconfigEnv, homeKubeconfigPath, kubeconfigPresent } from '../config/kubeconfig-location.ts';
import { ChartTestwareError, ConfigError } from '../errors.ts';
import type { LocalClusterMode } from './runner-args.ts';

const projectRoot = path.resolve(import.meta.dirname, '..', '..');

/**
 * The kubeconfig of the embedded local cluster, brought up (idempotent) when the mode asks for it; undefined when
 * the run uses the kubeconfig it was given. In auto mode the embedded cluster is used only when the user gave no
 * kubeconfig at all (no KUBECONFIG, no ~/.kube/config, no --kube-context); a KUBECONFIG naming a missing file is an
 * error, never a reason to go elsewhere.
 */
export async function localClusterKubeconfig(
  mode: LocalClusterMode,
  needsCluster: boolean,
  env: NodeJS.ProcessEnv,
  kubeContext?: { readonly name: string; readonly givenAs: string },
): Promise<string | undefined> {
  if (!needsCluster) return undefined;
  if (mode !== 'always') checkKubeconfigEnv(env);
  if (mode === 'never') return undefined;
  if (mode === 'always' && kubeContext) {
    throw new ConfigError(
      `${kubeContext.givenAs} "${kubeContext.name}" cannot be combined with --local-cluster always`,
      {
        hint: 'the embedded local cluster has its own kubeconfig and context: drop one of the two',
      },
    );
  }
  if (mode === 'auto') {
    if (kubeconfigPresent(env)) return undefined;
    if (kubeContext) {
      throw new ConfigError(
        `${kubeContext.givenAs} "${kubeContext.name}" names a context, but there is no kubeconfig (KUBECONFIG is unset and ${homeKubeconfigPath(env)} does not exist)`,
        {
          hint: 'set KUBECONFIG to the kubeconfig that has this context; or drop it to use the embedded local cluster',
        },
      );
    }
  }
  const script = path.join(projectRoot, 'scripts', 'cluster.sh');
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
