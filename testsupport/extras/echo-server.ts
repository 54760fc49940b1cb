import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import path from 'node:path';
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import axios, { type AxiosInstance } from 'axios';
import { FailureDiagnostics } from '../cluster/failure-diagnostics.ts';
import { jobNamespace } from '../cluster/job-namespace.ts';
import { managedByLabel, managedByValue, runIdLabel } from '../cluster/namespace-ownership.ts';
import { waitForPod } from '../cluster/wait-ready.ts';
import type { RunOptions } from '../config/options.ts';
import { packageRoot } from '../config/package-root.ts';
import { ChartTestwareError } from '../errors.ts';
import { checkOptionKeys, type OptionKeys } from '../helm/option-keys.ts';
import { apiMessage, apiStatus } from '../kube/kube-clients.ts';
import { podLogs } from '../kube/pod-logs.ts';
import { type ForwardedPort, portForward } from '../kube/port-forward.ts';
import { type RunContext, runContext } from '../kube/run-context.ts';
import { waitUntil } from '../kube/wait-until.ts';
import { recordSince } from '../record/recorder.ts';
import { redactText } from '../record/secret-redaction.ts';
import { toOneLine } from './echo-line.ts';

/** The echo server could not be deployed, or did not echo as it should. */
export class EchoServerError extends ChartTestwareError {}

export const echoServerPort = 8080;

export interface EchoServerOptions {
  /** Default: the test's job namespace. */
  readonly namespace?: string;
  /** Default: `echo-<random hex>`, unique so parallel tests never share one. */
  readonly name?: string;
  /** Default: $CHART_TESTWARE_ECHO_SERVER_IMAGE, else chart-testware.local/echo-server:<TAG of images/echo-server>. */
  readonly image?: string;
  /** `json`: the server writes each body as a JSON object line ({time, level, msg}). */
  readonly logFormat?: 'text' | 'json';
  /** Milliseconds to wait for the pod to be ready; default the run's readyTimeoutMs. */
  readonly timeout?: number;
  readonly signal?: AbortSignal;
  /** The run's options (default: from the environment and the config file); or give its whole `context`. */
  readonly options?: RunOptions;
  readonly context?: RunContext;
}

const echoServerKeys = {
  namespace: true,
  name: true,
  image: true,
  logFormat: true,
  timeout: true,
  signal: true,
  options: true,
  context: true,
} as const satisfies OptionKeys<EchoServerOptions>;

/**
 * The echo server (echo-server/server.ts) as a Pod plus a ClusterIP Service in the test namespace: POST a line
 * and it appears in the pod's stdout, hence in its logs and in any log store collecting them.
 * `await using echo = await EchoServer.deploy(); await echo.printToStdout('hello');`
 * Charts under test can reach it in-cluster at `echo.serviceUrl`.
 */
export class EchoServer implements AsyncDisposable {
  readonly name: string;
  readonly namespace: string;
  readonly image: string;
  readonly logFormat: 'text' | 'json';
  readonly #context: RunContext;
  #forward: Promise<ForwardedPort> | undefined;
  #http: AxiosInstance | undefined;
  #agent = new Agent({ keepAlive: true, maxSockets: 4 });
  readonly #diagnostics: FailureDiagnostics;
  #deleted = false;

  private constructor(name: string, namespace: string, image: string, logFormat: 'text' | 'json', context: RunContext) {
    this.name = name;
    this.namespace = namespace;
    this.image = image;
    this.logFormat = logFormat;
    this.#context = context;
    // A failing test keeps the server's log next to its other diagnostics.
    this.#diagnostics = new FailureDiagnostics(`echo server ${namespace}/${name}`, async () => {
      const logs = await this.logs().catch((error: unknown) => `(cannot read the log: ${(error as Error).message})`);
      return new Map([[`echo-server-${name}.log`, redactText(logs)]]);
    });
  }

  static async deploy(options: EchoServerOptions = {}): Promise<EchoServer> {
    checkOptionKeys(options, echoServerKeys, 'EchoServer.deploy');
    const context = options.context ?? runContext(options.options);
    const runOptions = context.options;
    const namespace = options.namespace ?? (await jobNamespace(runOptions));
    const name = options.name ?? `echo-${randomBytes(4).toString('hex')}`;
    const image = options.image ?? defaultEchoServerImage();
    const server = new EchoServer(name, namespace, image, options.logFormat ?? 'text', context);
    const { core } = context.kube;
    try {
      await core.createNamespacedPod({ namespace, body: server.#podSpec() });
      await core.createNamespacedService({ namespace, body: server.#serviceSpec() });
    } catch (error) {
      await server.delete({ wait: false }).catch(() => undefined);
      throw new EchoServerError(`cannot create echo server ${namespace}/${name}: ${apiMessage(error)}`, {
        hint:
          apiStatus(error) === 409
            ? 'the name is taken: leave `name` unset for a unique one'
            : 'check the namespace exists and RBAC allows creating pods and services',
        cause: error,
      });
    }
    try {
      await waitForPod(name, namespace, {
        timeout: options.timeout ?? runOptions.timeouts.readyTimeoutMs,
        signal: options.signal,
        context,
      });
    } catch (error) {
      await server.delete({ wait: false }).catch(() => undefined);
      throw error;
    }
    return server;
  }

  /** In-cluster URL of its Service: `http://<name>.<namespace>.svc:8080`. */
  get serviceUrl(): string {
    return `http://${this.name}.${this.namespace}.svc:${echoServerPort}`;
  }

  /** The local port-forward to the pod, opened on first use and reused. */
  forward(): Promise<ForwardedPort> {
    this.#forward ??= portForward(
      { namespace: this.namespace, pod: this.name, port: echoServerPort },
      { context: this.#context },
    );
    this.#forward.catch(() => {
      this.#forward = undefined;
    });
    return this.#forward;
  }

  /** POSTs `line` to /echo; it is written to the pod's stdout. Resolves once the server answered 200 with it. */
  async printToStdout(
    line: string,
    { timeout = 10_000, signal }: { timeout?: number; signal?: AbortSignal } = {},
  ): Promise<void> {
    const http = await this.#client();
    const since = Date.now();
    let response: { status: number; data: unknown };
    try {
      response = await http.post('/echo', line, {
        timeout,
        ...(signal ? { signal } : {}),
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        responseType: 'text',
        transformResponse: (data: unknown) => data,
        validateStatus: () => true,
      });
    } catch (error) {
      const forward = await this.#forward?.catch(() => undefined);
      throw new EchoServerError(
        `echo server ${this.namespace}/${this.name}: POST /echo failed: ${(error as Error).message}${
          forward?.lastError ? ` (port-forward: ${forward.lastError})` : ''
        }`,
        { hint: 'is the pod still running? `echo.logs()` and the pod events say more', cause: error },
      );
    }
    if (response.status !== 200 || response.data !== line) {
      throw new EchoServerError(
        `echo server ${this.namespace}/${this.name}: POST /echo answered ${response.status} ${JSON.stringify(String(response.data).slice(0, 200))}, expected 200 with the line`,
        { hint: 'a body over 1 MiB is refused with 413' },
      );
    }
    recordSince(since, {
      kind: 'echo',
      lane: `Pod ${this.namespace}/${this.name}`,
      label: 'echo a line',
      outcome: 'ok',
    });
  }

  /** The pod's log (stdout and stderr, as the kubelet stores them). */
  logs(): Promise<string> {
    return podLogs(this.namespace, this.name, { context: this.#context });
  }

  /**
   * The bodies the server echoed, in order. Text format: the lines as written (newlines in a body appear as
   * `\n`); JSON format: each line's `msg`, unescaped. The server's own diagnostics are left out.
   */
  async logLines(): Promise<string[]> {
    const lines = (await this.logs()).split('\n').filter((line) => line !== '');
    if (this.logFormat === 'text') return lines.filter((line) => !line.startsWith('echo-server: '));
    const bodies: string[] = [];
    for (const line of lines) {
      try {
        const entry = JSON.parse(line) as { msg?: unknown; source?: unknown };
        if (entry.source !== 'echo-server' && typeof entry.msg === 'string') bodies.push(entry.msg);
      } catch {
        // not a JSON line: not an echoed body
      }
    }
    return bodies;
  }

  /** Waits until the echoed bodies include `line` (escaped as the server escapes it); returns the milliseconds taken. */
  async waitForLogLine(
    line: string,
    { timeout = 30_000, signal }: { timeout?: number; signal?: AbortSignal } = {},
  ): Promise<number> {
    const expected = this.logFormat === 'text' ? toOneLine(line) : line;
    const started = performance.now();
    await waitUntil(async () => (await this.logLines()).includes(expected), {
      timeout,
      signal,
      interval: 100,
      description: `line ${JSON.stringify(expected)} in the log of echo server ${this.namespace}/${this.name}`,
    });
    recordSince(Date.now() - Math.round(performance.now() - started), {
      kind: 'echo',
      lane: `Pod ${this.namespace}/${this.name}`,
      label: 'line found in the log',
      outcome: 'ok',
    });
    return performance.now() - started;
  }

  /** Closes the port-forward and deletes the Pod and Service; with `wait`, until the pod is gone. */
  async delete({ wait = true, timeout = 60_000 }: { wait?: boolean; timeout?: number } = {}): Promise<void> {
    if (this.#deleted) return;
    this.#deleted = true;
    await this.#diagnostics.snapshotBeforeRemoval();
    const forward = await this.#forward?.catch(() => undefined);
    await forward?.close();
    this.#agent.destroy();
    const { core } = this.#context.kube;
    const ignoreMissing = (error: unknown) => {
      if (apiStatus(error) !== 404) throw error;
    };
    await Promise.all([
      core
        .deleteNamespacedPod({ name: this.name, namespace: this.namespace, gracePeriodSeconds: 5 })
        .catch(ignoreMissing),
      core.deleteNamespacedService({ name: this.name, namespace: this.namespace }).catch(ignoreMissing),
    ]);
    if (!wait) return;
    await waitUntil(
      async () => {
        try {
          await core.readNamespacedPod({ name: this.name, namespace: this.namespace });
          return false;
        } catch (error) {
          return apiStatus(error) === 404;
        }
      },
      { timeout, interval: 250, description: `echo server pod ${this.namespace}/${this.name} to be deleted` },
    );
  }

  close(): Promise<void> {
    return this.delete();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.delete();
  }

  async #client(): Promise<AxiosInstance> {
    const forward = await this.forward();
    this.#http ??= axios.create({ baseURL: forward.url, httpAgent: this.#agent, proxy: false });
    return this.#http;
  }

  #labels(): Record<string, string> {
    return {
      'app.kubernetes.io/name': 'echo-server',
      'app.kubernetes.io/instance': this.name,
      [managedByLabel]: managedByValue,
      [runIdLabel]: this.#context.options.runId,
    };
  }

  #podSpec(): V1Pod {
    return {
      metadata: { name: this.name, labels: this.#labels() },
      spec: {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        terminationGracePeriodSeconds: 5,
        securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001 },
        containers: [
          {
            name: 'echo-server',
            image: this.image,
            imagePullPolicy: 'IfNotPresent',
            env: [
              { name: 'PORT', value: String(echoServerPort) },
              { name: 'LOG_FORMAT', value: this.logFormat },
            ],
            ports: [{ name: 'http', containerPort: echoServerPort }],
            resources: {
              requests: { cpu: '10m', memory: '48Mi' },
              limits: { cpu: '500m', memory: '128Mi' },
            },
            readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 2, timeoutSeconds: 2 },
            livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, failureThreshold: 3 },
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ['ALL'] },
            },
          },
        ],
      },
    };
  }

  #serviceSpec(): V1Service {
    return {
      metadata: { name: this.name, labels: this.#labels() },
      spec: {
        selector: { 'app.kubernetes.io/instance': this.name, 'app.kubernetes.io/name': 'echo-server' },
        ports: [{ name: 'http', port: echoServerPort, targetPort: 'http' }],
      },
    };
  }
}

/** chart-testware.local/echo-server:<TAG> from images/echo-server/image.conf (the image the project builds). */
export function defaultEchoServerImage(): string {
  const fromEnv = process.env.CHART_TESTWARE_ECHO_SERVER_IMAGE;
  if (fromEnv) return fromEnv;
  const conf = path.join(packageRoot, 'images/echo-server/image.conf');
  const tag = /^TAG=(\S+)$/m.exec(readFileSync(conf, 'utf8'))?.[1];
  if (!tag) throw new EchoServerError(`${conf} has no TAG= line`, { hint: 'set CHART_TESTWARE_ECHO_SERVER_IMAGE' });
  return `chart-testware.local/echo-server:${tag}`;
}
