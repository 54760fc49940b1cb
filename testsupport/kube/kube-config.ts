import { KubeConfig } from '@kubernetes/client-node';
import { loadOptions, type RunOptions } from '../config/options.ts';
import { ConfigError } from '../errors.ts';

/**
 * The KubeConfig of the run: the run's kubeconfig file (KUBECONFIG, else the embedded local cluster's when no other
 * would be found) or the client's default lookup, switched to --kube-context when one is given. Fails with a clear
 * error when there is no usable cluster entry.
 */
export function loadKubeConfig(options: RunOptions = loadOptions()): KubeConfig {
  const kubeConfig = new KubeConfig();
  try {
    if (options.kubeconfig) kubeConfig.loadFromFile(options.kubeconfig);
    else kubeConfig.loadFromDefault();
  } catch (error) {
    throw new ConfigError(
      `cannot read kubeconfig ${options.kubeconfig ?? '(default lookup)'}: ${(error as Error).message}`,
      {
        hint: 'set KUBECONFIG to a readable kubeconfig, or run `npm run cluster:up` for the embedded local cluster',
      },
    );
  }
  if (options.kubeContext) {
    if (!kubeConfig.getContexts().some((context) => context.name === options.kubeContext)) {
      throw new ConfigError(`kube context "${options.kubeContext}" is not in the kubeconfig`, {
        hint: `known contexts: ${
          kubeConfig
            .getContexts()
            .map((c) => c.name)
            .join(', ') || '(none)'
        }`,
      });
    }
    kubeConfig.setCurrentContext(options.kubeContext);
  }
  if (!kubeConfig.getCurrentCluster()) {
    throw new ConfigError('the kubeconfig has no current cluster', {
      hint: 'pass --kube-context, set KUBECONFIG, or run `npm run cluster:up` for the embedded local cluster',
    });
  }
  return kubeConfig;
}
