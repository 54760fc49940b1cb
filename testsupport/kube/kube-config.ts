import { KubeConfig } from '@kubernetes/client-node';
import { homeKubeconfigPath, kubeconfigFiles, kubeconfigPresent } from '../config/kubeconfig-location.ts';
import { loadOptions, type RunOptions } from '../config/options.ts';
import { ConfigError } from '../errors.ts';

const readHint = 'set KUBECONFIG to a readable kubeconfig, or run `npm run cluster:up` for the embedded local cluster';

/**
 * The KubeConfig of the run: the run's kubeconfig (KUBECONFIG, one file or a ":" list merged as kubectl does, else
 * the embedded local cluster's when no other would be found) or the client's default lookup, switched to
 * --kube-context when one is given. Fails with a clear error when there is no usable cluster entry.
 */
export function loadKubeConfig(options: RunOptions = loadOptions()): KubeConfig {
  let kubeConfig = new KubeConfig();
  if (options.kubeconfig) kubeConfig = loadKubeconfigFiles(kubeconfigFiles(options.kubeconfig));
  else {
    if (!kubeconfigPresent()) {
      throw new ConfigError(
        `no kubeconfig: KUBECONFIG is unset, ${homeKubeconfigPath()} does not exist and the embedded local cluster has none yet`,
        { hint: readHint },
      );
    }
    try {
      kubeConfig.loadFromDefault();
    } catch (error) {
      throw new ConfigError(`cannot read kubeconfig (default lookup): ${(error as Error).message}`, { hint: readHint });
    }
  }
  if (options.kubeContext) {
    const given = options.sources?.kubeContext ?? '--kube-context';
    if (!kubeConfig.getContexts().some((context) => context.name === options.kubeContext)) {
      throw new ConfigError(
        `${given} "${options.kubeContext}" is not a context of the kubeconfig (${options.kubeconfig ?? 'default lookup'})`,
        {
          hint: `known contexts: ${
            kubeConfig
              .getContexts()
              .map((c) => c.name)
              .join(', ') || '(none)'
          }`,
        },
      );
    }
    kubeConfig.setCurrentContext(options.kubeContext);
  }
  if (!kubeConfig.getCurrentCluster()) throw noCurrentCluster(kubeConfig, options.kubeconfig ?? homeKubeconfigPath());
  return kubeConfig;
}

/** Why a kubeconfig gives no cluster to talk to, in its own terms (current-context, contexts, clusters). */
function noCurrentCluster(kubeConfig: KubeConfig, where: string): ConfigError {
  const contexts = kubeConfig.getContexts().map((context) => context.name);
  const clusters = kubeConfig.getClusters().map((cluster) => cluster.name);
  const current = kubeConfig.getCurrentContext();
  const context = kubeConfig.getContextObject(current);
  const list = (names: string[]) => names.join(', ') || '(none)';
  if (contexts.length === 0 && clusters.length === 0) {
    return new ConfigError(`the kubeconfig ${where} defines no clusters and no contexts: is it a kubeconfig?`, {
      hint: 'point KUBECONFIG at the kubeconfig of your cluster (`kubectl config view` shows what one holds)',
    });
  }
  if (!current) {
    return new ConfigError(`the kubeconfig ${where} sets no current-context`, {
      hint: `pass --kube-context NAME (its contexts: ${list(contexts)}), or \`kubectl config use-context NAME\``,
    });
  }
  if (!context) {
    return new ConfigError(`the kubeconfig ${where}: current-context "${current}" is not one of its contexts`, {
      hint: `its contexts: ${list(contexts)}; pass --kube-context NAME or fix current-context`,
    });
  }
  return new ConfigError(
    `the kubeconfig ${where}: context "${current}" names cluster "${context.cluster}", which it does not define`,
    { hint: `its clusters: ${list(clusters)}; fix the context's cluster in the kubeconfig` },
  );
}

/**
 * Several kubeconfig files merged by kubectl's rules: the first file that names a cluster, user or context wins,
 * and the current context is the first one set.
 */
export function loadKubeconfigFiles(files: readonly string[]): KubeConfig {
  const loaded = files.map((file) => {
    const config = new KubeConfig();
    try {
      config.loadFromFile(file);
    } catch (error) {
      const fromEnv = kubeconfigFiles(process.env.KUBECONFIG ?? '').includes(file) ? ' (from KUBECONFIG)' : '';
      throw new ConfigError(`cannot read kubeconfig ${file}${fromEnv}: ${(error as Error).message}`, {
        hint: readHint,
      });
    }
    return config;
  });
  if (loaded.length === 1) return loaded[0] as KubeConfig;
  const firstByName = <T extends { name: string }>(lists: T[][]): T[] => {
    const byName = new Map<string, T>();
    for (const item of lists.flat()) if (!byName.has(item.name)) byName.set(item.name, item);
    return [...byName.values()];
  };
  const merged = new KubeConfig();
  merged.loadFromOptions({
    clusters: firstByName(loaded.map((config) => config.clusters)),
    users: firstByName(loaded.map((config) => config.users)),
    contexts: firstByName(loaded.map((config) => config.contexts)),
    currentContext: loaded.map((config) => config.currentContext).find(Boolean) ?? '',
  });
  return merged;
}
