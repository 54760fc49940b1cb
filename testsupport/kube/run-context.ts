import { loadOptions, type RunOptions } from '../config/options.ts';
import { type KubeClients, kubeClients } from './kube-clients.ts';

/**
 * One run's context: its options and the kube clients of its cluster. It is made where a test enters the library
 * (ChartDeployment.install, EchoServer.deploy, host(), the public helpers of chart-testware/kube, the CLIs, the Jest
 * environment) and handed down explicitly: the helpers below those never load the options themselves.
 */
export interface RunContext {
  readonly options: RunOptions;
  /** Made on first use (a context that never reaches the cluster never reads a kubeconfig). */
  readonly kube: KubeClients;
}

const made = new WeakMap<RunOptions, RunContext>();

/** The context of `options` (default: the run's, from the environment and the config file); one per options object. */
export function runContext(options: RunOptions = loadOptions()): RunContext {
  let context = made.get(options);
  if (!context) {
    context = {
      options,
      get kube() {
        return kubeClients(options);
      },
    };
    made.set(options, context);
  }
  return context;
}

/** Whether `value` is a RunContext (a public entry that took RunOptions before accepts either). */
export function isRunContext(value: RunOptions | RunContext | undefined): value is RunContext {
  return value !== undefined && 'kube' in value && 'options' in value;
}
