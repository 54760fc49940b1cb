import { loadOptions, type RunOptions } from '../config/options.ts';
import { apiMessage, apiStatus, kubeClients } from './kube-clients.ts';

export interface LogsOptions {
  /** Default: the pod's first container. */
  readonly container?: string;
  /** The logs of the previous (crashed) instance of the container. */
  readonly previous?: boolean;
  readonly tailLines?: number;
  readonly options?: RunOptions;
}

/**
 * A container's log as text. With `previous`, the log of its last terminated instance; a container that never
 * restarted has none, which returns "" rather than failing.
 */
export async function podLogs(namespace: string, pod: string, options: LogsOptions = {}): Promise<string> {
  const { core } = kubeClients(options.options ?? loadOptions());
  try {
    return await core.readNamespacedPodLog({
      name: pod,
      namespace,
      container: options.container,
      previous: options.previous,
      tailLines: options.tailLines,
    });
  } catch (error) {
    if (options.previous && apiStatus(error) === 400 && /previous terminated container/i.test(apiMessage(error))) {
      return '';
    }
    throw error;
  }
}
