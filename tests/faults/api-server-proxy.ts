// A loopback TCP proxy in front of the real API server, for the fault tests.
//
// Why not stop the API server itself: the embedded cluster is shared by every Jest worker of the run (and, on a
// developer machine, by other runs); a real outage would fail their tests too. To the client behind this proxy an
// outage looks the same as a real one: new connections are refused (the port is closed) and every open connection,
// watches included, is reset. TLS passes through untouched (the client still talks to the real server, with the
// real certificates), so nothing of the API server's answers is made up here.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';

type Mode = 'forward' | 'refuse' | 'hold';

export class ApiServerProxy {
  readonly target: URL;
  #server: net.Server;
  #port = 0;
  #mode: Mode = 'forward';
  #sockets = new Set<net.Socket>();
  #held: Array<() => void> = [];
  #accepted = 0;
  #dir: string | undefined;

  private constructor(target: URL) {
    this.target = target;
    this.#server = net.createServer((client) => this.#accept(client));
  }

  /** Starts a proxy on 127.0.0.1 (a free port) to the current cluster's API server of `config`. */
  static async start(config: KubeConfig): Promise<ApiServerProxy> {
    const server = config.getCurrentCluster()?.server;
    if (!server) throw new Error('the kubeconfig has no current cluster to proxy');
    const proxy = new ApiServerProxy(new URL(server));
    await proxy.#listen(0);
    return proxy;
  }

  get port(): number {
    return this.#port;
  }

  /** TCP connections accepted so far (each HTTP/1.1 connection of the client, watches have one each). */
  get accepted(): number {
    return this.#accepted;
  }

  /**
   * A kubeconfig for `config`'s current context whose server is this proxy, with the same credentials. The API
   * server's certificate must name 127.0.0.1 (the embedded cluster's does); for a server given by DNS name the name
   * is kept as tls-server-name. The file is mode 0600 and removed by close().
   */
  writeKubeconfig(config: KubeConfig): string {
    const exported = JSON.parse(config.exportConfig()) as {
      clusters: Array<{ name: string; cluster: Record<string, unknown> }>;
    };
    const current = config.getCurrentCluster()?.name;
    for (const entry of exported.clusters) {
      if (entry.name !== current) continue;
      const host = this.target.hostname;
      if (net.isIP(host.replace(/^\[|\]$/g, '')) === 0) entry.cluster['tls-server-name'] ??= host;
      entry.cluster.server = `https://127.0.0.1:${this.#port}`;
    }
    this.#dir ??= mkdtempSync(path.join(os.tmpdir(), 'ct-api-proxy-'));
    const file = path.join(this.#dir, 'kubeconfig');
    writeFileSync(file, JSON.stringify(exported), { mode: 0o600 });
    return file;
  }

  /** The outage: the port is closed (connections refused) and every open connection is reset. */
  async refuse(): Promise<void> {
    this.#mode = 'refuse';
    // close() calls back once the last connection is gone: reset them after it stopped the accepting
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#resetAll();
    await closed;
  }

  /**
   * Every open connection is reset; new ones are accepted but not forwarded until restore() (the client's requests
   * wait in the proxy, as behind a stalled network path).
   */
  hold(): void {
    this.#mode = 'hold';
    this.#resetAll();
  }

  /** Back to forwarding: the port opens again (same port), held connections go through. */
  async restore(): Promise<void> {
    if (this.#mode === 'refuse') await this.#listen(this.#port);
    this.#mode = 'forward';
    for (const go of this.#held.splice(0)) go();
  }

  async close(): Promise<void> {
    this.#mode = 'refuse';
    this.#held = [];
    const closed = this.#server.listening
      ? new Promise<void>((resolve) => this.#server.close(() => resolve()))
      : Promise.resolve();
    this.#resetAll();
    await closed;
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #accept(client: net.Socket): void {
    this.#accepted += 1;
    this.#track(client);
    client.on('error', () => client.destroy());
    if (this.#mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const connect = () => {
      if (client.destroyed) return;
      const upstream = net.connect({ host: this.target.hostname, port: Number(this.target.port || 443) });
      this.#track(upstream);
      upstream.on('error', () => client.resetAndDestroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
      client.resume();
    };
    if (this.#mode === 'hold') {
      client.pause();
      this.#held.push(connect);
    } else {
      connect();
    }
  }

  #track(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
  }

  #resetAll(): void {
    for (const socket of this.#sockets) {
      if (!socket.destroyed) socket.resetAndDestroy();
    }
    this.#sockets.clear();
  }

  async #listen(port: number): Promise<void> {
    // reopening the same port: retry while something else holds it for a moment (TIME_WAIT does not block listen)
    for (let attempt = 0; ; attempt += 1) {
      try {
        await new Promise<void>((resolve, reject) => {
          this.#server.once('error', reject);
          this.#server.listen({ host: '127.0.0.1', port }, () => {
            this.#server.off('error', reject);
            resolve();
          });
        });
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    this.#port = (this.#server.address() as net.AddressInfo).port;
  }
}
