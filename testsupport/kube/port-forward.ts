import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import { PortForward } from '@kubernetes/client-node';
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import { ChartTestwareError } from '../errors.ts';
import { recordSince } from '../record/recorder.ts';
import { apiMessage } from './kube-clients.ts';
import { type RunContext, runContext } from './run-context.ts';
import { WaitTimeoutError, waitUntil } from './wait-until.ts';

/** A port-forward could not be set up: no such pod or service, no ready endpoint, or the API server refused. */
export class PortForwardError extends ChartTestwareError {}

export type PortForwardTarget =
  | { readonly namespace: string; readonly pod: string; readonly port: number }
  /** `port`: the Service's port (number or name); forwarded to the matching targetPort of its first ready endpoint. */
  | { readonly namespace: string; readonly service: string; readonly port: number | string };

export interface PortForwardOptions {
  readonly signal?: AbortSignal;
  /**
   * For a service: milliseconds to wait for a ready endpoint (its EndpointSlices lag its pods' readiness, by seconds
   * on a loaded cluster); default 60 000, as kubectl's --pod-running-timeout.
   */
  readonly timeout?: number;
  /** The run's options and clients; default: runContext() (the run's, from the environment). */
  readonly context?: RunContext;
}

/**
 * A local TCP port (127.0.0.1 only, chosen free by the kernel) forwarding to a pod's port through the API server
 * (client-node PortForward over WebSockets; no kubectl). Every accepted connection gets its own stream.
 * `await using forward = await portForward({ namespace, pod, port: 8080 })`; then `forward.url`.
 */
export class ForwardedPort implements AsyncDisposable {
  readonly namespace: string;
  readonly pod: string;
  readonly remotePort: number;
  readonly localPort: number;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #closed = false;
  readonly #openedAt = Date.now();
  /** The last error a forwarded connection reported (kubelet could not reach the port, and so on). */
  lastError: string | undefined;

  constructor(init: {
    namespace: string;
    pod: string;
    remotePort: number;
    localPort: number;
    server: Server;
    sockets: Set<Socket>;
  }) {
    this.namespace = init.namespace;
    this.pod = init.pod;
    this.remotePort = init.remotePort;
    this.localPort = init.localPort;
    this.#server = init.server;
    this.#sockets = init.sockets;
  }

  /** `http://127.0.0.1:<localPort>` */
  get url(): string {
    return `http://127.0.0.1:${this.localPort}`;
  }

  /** Stops listening and cuts every forwarded connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    recordSince(this.#openedAt, {
      kind: 'port-forward',
      lane: `Pod ${this.namespace}/${this.pod}`,
      label: `port-forward 127.0.0.1:${this.localPort} → ${this.remotePort}`,
      outcome: this.lastError ? 'warning' : 'ok',
      ...(this.lastError ? { detail: this.lastError } : {}),
    });
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

export async function portForward(target: PortForwardTarget, options: PortForwardOptions = {}): Promise<ForwardedPort> {
  const context = options.context ?? runContext();
  const { config } = context.kube;
  const { pod, port } =
    'pod' in target ? { pod: target.pod, port: target.port } : await resolveService(target, context, options);
  const where = `pod ${target.namespace}/${pod} port ${port}`;
  // A handler with its own sinks: the default one ends process.stdout when the server closes a stream.
  const handler = new WebSocketHandler(config, undefined, {
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    stderr: new PassThrough(),
  });
  const forwarder = new PortForward(config, true, handler);
  const sockets = new Set<Socket>();
  let forwarded: ForwardedPort | undefined;

  const open = async (socket: Socket): Promise<void> => {
    const errors = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        // The first frame of the error stream only carries the port number (stripped to nothing).
        const message = chunk.toString('utf8').trim();
        if (message) {
          if (forwarded) forwarded.lastError = message;
          socket.destroy();
        }
        callback();
      },
    });
    const connection = await forwarder.portForward(target.namespace, pod, [port], socket, errors, socket);
    const ws = typeof connection === 'function' ? connection() : connection;
    if (!ws) throw new Error('no WebSocket');
    ws.on('close', () => socket.end());
    ws.on('error', () => socket.destroy());
    // The client may have gone while the WebSocket was opening.
    if (socket.destroyed) ws.close();
    else socket.on('close', () => ws.close());
  };

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    open(socket).catch((error: unknown) => {
      if (forwarded) forwarded.lastError = describe(error);
      socket.destroy();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening', { signal: options.signal });
  const address = server.address();
  const localPort = typeof address === 'object' && address ? address.port : 0;
  forwarded = new ForwardedPort({ namespace: target.namespace, pod, remotePort: port, localPort, server, sockets });

  // Open (and drop) one stream now so that a missing pod or a refused request fails here, not on first use.
  try {
    const probe = await forwarder.portForward(
      target.namespace,
      pod,
      [port],
      new PassThrough(),
      null,
      new PassThrough(),
    );
    const ws = typeof probe === 'function' ? probe() : probe;
    ws?.close();
  } catch (error) {
    await forwarded.close();
    throw new PortForwardError(`cannot port-forward to ${where}: ${describe(error)}`, {
      hint: 'is the pod there and Running? (a 404 means no such pod; 403: the kube user may not create pods/portforward)',
      cause: error,
    });
  }
  return forwarded;
}

async function resolveService(
  target: { namespace: string; service: string; port: number | string },
  context: RunContext,
  { timeout = serviceEndpointTimeoutMs, signal }: PortForwardOptions,
): Promise<{ pod: string; port: number }> {
  const { core, discovery } = context.kube;
  const where = `service ${target.namespace}/${target.service}`;
  let service: Awaited<ReturnType<typeof core.readNamespacedService>>;
  try {
    service = await core.readNamespacedService({ name: target.service, namespace: target.namespace });
  } catch (error) {
    throw new PortForwardError(`cannot port-forward to ${where}: ${apiMessage(error)}`, { cause: error });
  }
  const servicePort = service.spec?.ports?.find((p) => p.port === target.port || p.name === target.port);
  if (!servicePort) {
    const known = (service.spec?.ports ?? []).map((p) => `${p.name ?? ''}:${p.port}`).join(', ');
    throw new PortForwardError(`${where} has no port ${target.port}`, { hint: `its ports: ${known || 'none'}` });
  }
  const readyEndpoint = async () => {
    const slices = await discovery.listNamespacedEndpointSlice({
      namespace: target.namespace,
      labelSelector: `kubernetes.io/service-name=${target.service}`,
    });
    for (const slice of slices.items) {
      // The slice's port of the same name carries the resolved targetPort (named container ports included).
      const port = slice.ports?.find((p) => (p.name ?? '') === (servicePort.name ?? ''))?.port;
      const endpoint = (slice.endpoints ?? []).find(
        (e) => e.conditions?.ready !== false && e.targetRef?.kind === 'Pod',
      );
      if (port && endpoint?.targetRef?.name) return { pod: endpoint.targetRef.name, port };
    }
    return undefined;
  };
  try {
    return await waitUntil(readyEndpoint, {
      timeout,
      signal,
      interval: 250,
      description: `a ready endpoint of ${where}`,
    });
  } catch (error) {
    if (!(error instanceof WaitTimeoutError)) throw error;
    throw new PortForwardError(`${where} has no ready endpoint to forward to after ${timeout / 1000} s`, {
      hint:
        error.cause === undefined
          ? 'its pods did not turn ready (wait for them first) or its selector matches none'
          : `listing its EndpointSlices failed: ${apiMessage(error.cause)}`,
      cause: error.cause ?? error,
    });
  }
}

/** kubectl port-forward's default --pod-running-timeout. */
const serviceEndpointTimeoutMs = 60_000;

function describe(error: unknown): string {
  const message = (error as { message?: string } | null)?.message;
  return message && message !== '[object Object]' ? message : apiMessage(error);
}
