import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunOptions } from '../config/options.ts';
import { ConfigError } from '../errors.ts';

/** `--in-cluster [--shards N] [--image IMAGE]`: run the selected tests as an Indexed Job in the cluster. */
export interface InClusterArgs {
  readonly shards: number;
  /** undefined: the project's own Node image, which only the embedded cluster has. */
  readonly image: string | undefined;
}

export const maxShards = 16;

/** What the runner starts in place of Jest for an in-cluster run, and the variable that hands it these flags. */
export const inClusterEntry: string = fileURLToPath(
  new URL(`./in-cluster-run${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url),
);
export const inClusterEnvVar = 'CHART_TESTWARE_IN_CLUSTER';

/** The in-cluster flags, taken out of the runner's arguments (the rest goes on to the runner and Jest as before). */
export function takeInClusterArgs(argv: readonly string[]): { inCluster: InClusterArgs | undefined; rest: string[] } {
  const rest: string[] = [];
  let inCluster = false;
  let shards: string | undefined;
  let image: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = equals > 0 ? arg.slice(0, equals) : arg;
    if (name === '--in-cluster') {
      if (equals > 0) throw new ConfigError(`--in-cluster takes no value ("${arg}")`, { hint: 'write --in-cluster' });
      inCluster = true;
    } else if (name === '--shards' || name === '--image') {
      const value = equals > 0 ? arg.slice(equals + 1) : argv[++i];
      if (value === undefined || (equals < 0 && value.startsWith('-'))) {
        throw new ConfigError(`${name} needs a value`, {
          hint:
            name === '--shards' ? 'e.g. --in-cluster --shards 2' : 'e.g. --in-cluster --image node:24-bookworm-slim',
        });
      }
      if (name === '--shards') shards = value;
      else image = value;
    } else rest.push(arg);
  }
  if (!inCluster) {
    if (shards !== undefined || image !== undefined) {
      throw new ConfigError(`${shards !== undefined ? '--shards' : '--image'} only applies to --in-cluster runs`, {
        hint: 'add --in-cluster, or leave the flag out (for CI sharding use Jest’s --shard=i/n)',
      });
    }
    return { inCluster: undefined, rest };
  }
  for (const arg of rest) {
    if (arg === '--shard' || arg.startsWith('--shard=')) {
      throw new ConfigError(`Jest's ${arg} cannot be combined with --in-cluster`, {
        hint: 'use --shards N: each pod of the Job runs shard i/N',
      });
    }
    if (arg === '--namespace-per-file') {
      throw new ConfigError('--namespace-per-file cannot be combined with --in-cluster', {
        hint: 'in-cluster shards run in the Job’s namespace (a namespace-scoped Role cannot create namespaces)',
      });
    }
  }
  if (process.env.CHART_TESTWARE_NAMESPACE_PER_FILE === 'true') {
    throw new ConfigError('CHART_TESTWARE_NAMESPACE_PER_FILE=true cannot be combined with --in-cluster', {
      hint: 'unset it: in-cluster shards run in the Job’s namespace (a namespace-scoped Role cannot create namespaces)',
    });
  }
  const count = shards === undefined ? 1 : Number(shards);
  if (!/^\d+$/.test(shards ?? '1') || count < 1 || count > maxShards) {
    throw new ConfigError(`--shards "${shards}" is not a number of shards`, {
      hint: `use a whole number from 1 to ${maxShards}, e.g. --shards 2`,
    });
  }
  if (image !== undefined && !/^[a-z0-9][a-z0-9._\-/:@]*$/i.test(image)) {
    throw new ConfigError(`--image "${image}" is not an image reference`, {
      hint: 'name a Node >= 22.19 image the cluster can pull, e.g. --image node:24-bookworm-slim',
    });
  }
  return { inCluster: { shards: count, image }, rest };
}

/**
 * Without --image only the embedded cluster has an image to run (the project's own): say so before anything slow.
 * The embedded cluster is the one the runner brings up, or the one a kubeconfig names (`npm run cluster:kubeconfig`).
 */
export async function checkInClusterImage(
  inCluster: InClusterArgs,
  embeddedCluster: boolean,
  options?: RunOptions,
): Promise<void> {
  if (inCluster.image !== undefined || embeddedCluster || (options && (await namesEmbeddedCluster(options)))) return;
  throw new ConfigError('--in-cluster on a cluster other than the embedded one needs --image', {
    hint: 'name a Node >= 22.19 image (with sh and tar) that the cluster can pull, e.g. --image node:24-bookworm-slim',
  });
}

async function namesEmbeddedCluster(options: RunOptions): Promise<boolean> {
  try {
    // loaded only here: a run without --in-cluster never loads the Kubernetes client for this
    const { loadKubeConfig } = await import('../kube/kube-config.ts');
    const cluster = loadKubeConfig(options).getCurrentCluster();
    return cluster?.name === embeddedClusterName && cluster.server === 'https://127.0.0.1:6443';
  } catch {
    return false; // no usable kubeconfig: the preflight says why
  }
}

const embeddedClusterName = 'chart-testware-local';

export const inClusterUsage = `

In-cluster runs (an Indexed Job in the job namespace; see docs/in-cluster.md):
  --in-cluster             run the selected tests inside the cluster, in pods of a Job
  --shards N               N pods, each running Jest's --shard=i/N (default 1, at most ${maxShards})
  --image IMAGE            the pods' Node image (default: the embedded cluster's own echo-server image)`;
