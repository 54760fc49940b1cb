import { defaults } from '../config/defaults.ts';
import { apiMessage } from '../kube/kube-clients.ts';
import { ExecError, execInPod } from '../kube/pod-exec.ts';
import type { RunContext } from '../kube/run-context.ts';
import type { CommandOptions, HostBackend, RawCommandResult } from './host-backend.ts';
import { HostUnreachableError, MissingProgramError, ProbeTimeoutError } from './probe-error.ts';

export interface KubeExecTarget {
  readonly namespace: string;
  readonly pod: string;
  /** Default: the pod's kubectl.kubernetes.io/default-container, else its first container. */
  readonly container?: string | undefined;
  /** The run's options and clients (host() makes it). */
  readonly context: RunContext;
}

/**
 * Runs commands in a container through the API server's exec subresource (execInPod: client-node Exec over a
 * WebSocket, no kubectl), and turns exec failures into probe errors that say which kind they are.
 */
export class KubeExecBackend implements HostBackend {
  readonly namespace: string;
  readonly pod: string;
  #container: string | undefined;
  readonly #context: RunContext;

  constructor(target: KubeExecTarget) {
    this.namespace = target.namespace;
    this.pod = target.pod;
    this.#container = target.container;
    this.#context = target.context;
  }

  get uri(): string {
    const container = this.#container ? `?container=${encodeURIComponent(this.#container)}` : '';
    return `kube://${this.namespace}/${this.pod}${container}`;
  }

  async container(): Promise<string> {
    if (this.#container) return this.#container;
    let pod: Awaited<ReturnType<RunContext['kube']['core']['readNamespacedPod']>>;
    try {
      pod = await this.#context.kube.core.readNamespacedPod({ name: this.pod, namespace: this.namespace });
    } catch (error) {
      throw new HostUnreachableError({
        host: this.uri,
        probe: 'reading the pod to choose its container',
        found: apiMessage(error),
        hint: 'check the namespace and pod name (kube://<namespace>/<pod>?container=<name>)',
        cause: error,
      });
    }
    const chosen =
      pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'] ?? pod.spec?.containers[0]?.name;
    if (!chosen)
      throw new HostUnreachableError({ host: this.uri, probe: 'choosing a container', found: 'the pod has none' });
    this.#container = chosen;
    return chosen;
  }

  async run(argv: readonly string[], options: CommandOptions = {}): Promise<RawCommandResult> {
    if (options.stdin !== undefined) {
      throw new TypeError(`${this.uri}: the exec backend does not feed stdin; pass the data as an argument or file`);
    }
    const container = await this.container();
    const timeout = options.timeout ?? defaults.execTimeoutMs;
    const probe = `command ${JSON.stringify(argv)}`;
    try {
      return await execInPod(this.namespace, this.pod, argv, {
        container,
        timeout,
        context: this.#context,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (options.signal?.aborted || !(error instanceof ExecError)) throw error;
      const message = error.message.split('\n  hint:')[0] ?? error.message;
      if (/did not finish within/.test(message)) {
        throw new ProbeTimeoutError({
          host: this.uri,
          probe,
          found: `no exit within ${timeout} ms`,
          hint: 'exec does not kill the process in the container; raise { timeout } if it is just slow',
          cause: error,
        });
      }
      if (/executable file not found|no such file or directory/i.test(message)) {
        throw new MissingProgramError({
          host: this.uri,
          probe,
          found: `\`${argv[0]}\` does not exist in the container (${lastClause(message)})`,
          cause: error,
        });
      }
      throw new HostUnreachableError({
        host: this.uri,
        probe,
        found: `exec failed: ${message}`,
        hint: 'is the pod Running and this container started (not restarting, not a finished init container)?',
        cause: error,
      });
    }
  }

  async close(): Promise<void> {
    // Each command has its own WebSocket, closed when it ends: nothing is held between commands.
  }
}

function lastClause(message: string): string {
  // The runtime's error nests "failed to exec: ... exec: \"stat\": executable file not found in $PATH: unknown".
  return /exec: "[^"]*": [^:]+/.exec(message)?.[0] ?? message.split('\n')[0] ?? message;
}
