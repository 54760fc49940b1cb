import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { kubeconfigPresent } from '../config/kubeconfig-location.ts';
import { packageRoot } from '../config/package-root.ts';
import { ChartTestwareError } from '../errors.ts';
import type { LocalClusterMode } from './runner-args.ts';

/**
 * The kubeconfig of the embedded local cluster, brought up (idempotent) when the mode asks for it; undefined when
 * the run uses the kubeconfig it was given.
 */
export async function localClusterKubeconfig(
  mode: LocalClusterMode,
  needsCluster: boolean,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  if (mode === 'never' || !needsCluster) return undefined;
  if (mode === 'auto' && kubeconfigPresent(env)) return undefined;
  const script = path.join(packageRoot, 'scripts', 'cluster.sh');
  console.error('chart-testware: no kubeconfig given; bringing up the embedded local cluster (npm run cluster:up)');
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
