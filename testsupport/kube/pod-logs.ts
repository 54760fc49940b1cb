import { apiMessage, apiStatus } from './kube-clients.ts';
import { type RunContext, runContext } from './run-context.ts';

export interface LogsOptions {
  /** Default: the pod's first container. */
  readonly container?: string;
  /** The logs of the previous (crashed) instance of the container. */
  readonly previous?: boolean;
  readonly tailLines?: number;
  /** The run's options and clients; default: runContext() (the run's, from the environment). */
  readonly context?: RunContext;
}

/**
 * A container's log as text. With `previous`, the log of its last terminated instance; a container that never
 * restarted has none, which returns "" rather than failing.
 */
export async function podLogs(namespace: string, pod: string, options: LogsOptions = {}): Promise<string> {
  const { core } = (options.context ?? runContext()).kube;
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
