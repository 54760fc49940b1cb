import { PassThrough, Writable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import { defaults } from '../config/defaults.ts';
import { apiMessage, kubeClients } from '../kube/kube-clients.ts';
import type { CommandOptions, HostBackend, RawCommandResult } from './host-backend.ts';
import { HostUnreachableError, MissingProgramError, ProbeTimeoutError } from './probe-error.ts';

export interface KubeExecTarget {
  readonly namespace: string;
  readonly pod: string;
  /** Default: the pod's kubectl.kubernetes.io/default-container, else its first container. */
  readonly container?: string | undefined;
}

/**
 * Runs commands in a container through the API server's exec subresource (client-node Exec over a WebSocket;
 * no kubectl). Exit codes come from the exec status channel.
 */
export class KubeExecBackend implements HostBackend {
  readonly namespace: string;
  readonly pod: string;
  #container: string | undefined;
  readonly #config: KubeConfig;
  readonly #exec: Exec;

  constructor(target: KubeExecTarget, config: KubeConfig = kubeClients().config) {
    this.namespace = target.namespace;
    this.pod = target.pod;
    this.#container = target.container;
    this.#config = config;
    // Own sinks for the handler's "close stream" frames, which otherwise end process.stdout.
    this.#exec = new Exec(
      config,
      new WebSocketHandler(config, undefined, {
        stdin: new PassThrough(),
        stdout: new PassThrough(),
        stderr: new PassThrough(),
      }),
    );
  }

  get uri(): string {
    const container = this.#container ? `?container=${encodeURIComponent(this.#container)}` : '';
    return `kube://${this.namespace}/${this.pod}${container}`;
  }

  async container(): Promise<string> {
    if (this.#container) return this.#container;
    const core = kubeClients().core;
    let pod: Awaited<ReturnType<typeof core.readNamespacedPod>>;
    try {
      pod = await core.readNamespacedPod({ name: this.pod, namespace: this.namespace });
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
    if (!chosen) {
      throw new HostUnreachableError({ host: this.uri, probe: 'choosing a container', found: 'the pod has none' });
    }
    this.#container = chosen;
    return chosen;
  }

  async run(argv: readonly string[], options: CommandOptions = {}): Promise<RawCommandResult> {
    const container = await this.container();
    const timeout = options.timeout ?? defaults.execTimeoutMs;
    const stdout = collector();
    const stderr = collector();
    const stdin = options.stdin === undefined ? null : PassThrough.from([options.stdin]);
    let status: V1Status | undefined;
    let socket: Awaited<ReturnType<Exec['exec']>>;
    try {
      socket = await this.#exec.exec(
        this.namespace,
        this.pod,
        container,
        [...argv],
        stdout.stream,
        stderr.stream,
        stdin,
        false,
        (received) => {
          status = received;
        },
      );
    } catch (error) {
      throw new HostUnreachableError({
        host: this.uri,
        probe: `exec ${JSON.stringify(argv)}`,
        found: `the API server refused the exec: ${describeWsError(error)}`,
        hint: 'is the pod Running and the container started? `kubectl get pod` and its events say why not',
        cause: error,
      });
    }
    const closed = new Promise<void>((resolve) => {
      if (socket.readyState === socket.CLOSED) resolve();
      else socket.once('close', () => resolve());
    });
    const timer = AbortSignal.timeout(timeout);
    const abort = options.signal ? AbortSignal.any([options.signal, timer]) : timer;
    const aborted = new Promise<'aborted'>((resolve) => {
      if (abort.aborted) resolve('aborted');
      else abort.addEventListener('abort', () => resolve('aborted'), { once: true });
    });
    if ((await Promise.race([closed, aborted])) === 'aborted') {
      socket.close();
      if (options.signal?.aborted) throw options.signal.reason;
      throw new ProbeTimeoutError({
        host: this.uri,
        probe: `command ${JSON.stringify(argv)}`,
        found: `no exit within ${timeout} ms (stdout so far: ${JSON.stringify(stdout.text().slice(0, 200))})`,
        hint: 'the process may still run in the container: exec does not kill it; raise { timeout } if it is slow',
      });
    }
    return { exitCode: this.#exitCode(argv, status, stderr.text()), stdout: stdout.text(), stderr: stderr.text() };
  }

  #exitCode(argv: readonly string[], status: V1Status | undefined, stderr: string): number {
    if (!status) {
      throw new HostUnreachableError({
        host: this.uri,
        probe: `command ${JSON.stringify(argv)}`,
        found: `the exec stream closed without an exit status (stderr: ${JSON.stringify(stderr.slice(0, 300))})`,
        hint: 'the container may have restarted meanwhile; check its restarts and logs',
      });
    }
    if (status.status === 'Success') return 0;
    if (status.reason === 'NonZeroExitCode') {
      const code = status.details?.causes?.find((cause) => cause.reason === 'ExitCode')?.message;
      if (code !== undefined && /^\d+$/.test(code)) return Number(code);
    }
    const message = status.message ?? JSON.stringify(status);
    if (/executable file not found|no such file or directory/i.test(message)) {
      throw new MissingProgramError({
        host: this.uri,
        probe: `command ${JSON.stringify(argv)}`,
        found: `\`${argv[0]}\` does not exist in the container (${message})`,
      });
    }
    throw new HostUnreachableError({
      host: this.uri,
      probe: `command ${JSON.stringify(argv)}`,
      found: `exec failed: ${message}`,
      hint: 'is the container running (not restarting, not a finished init container)?',
    });
  }

  async close(): Promise<void> {
    // Each command has its own WebSocket, closed when the command ends: nothing is held between commands.
  }

  get kubeConfig(): KubeConfig {
    return this.#config;
  }
}

function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

function describeWsError(error: unknown): string {
  // The ws library's ErrorEvent carries the HTTP failure in `message` ("Unexpected server response: 404").
  const message = (error as { message?: string } | null)?.message;
  return message ?? apiMessage(error);
}
