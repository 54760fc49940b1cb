import { didYouMean } from '../config/did-you-mean.ts';
import { isNamespaceName } from '../helm/helm-input-checks.ts';
import { checkOptionKeys, type OptionKeys } from '../helm/option-keys.ts';
import { type RunContext, runContext } from '../kube/run-context.ts';
import { CommandResult } from './command-result.ts';
import { type FileState, probeFile } from './file-state.ts';
import type { CommandOptions, HostBackend } from './host-backend.ts';
import { KubeDebugBackend } from './kube-debug-backend.ts';
import { KubeExecBackend } from './kube-exec-backend.ts';
import { LocalBackend } from './local-backend.ts';
import { type PackageState, probePackage } from './package-state.ts';
import type { ProbeContext } from './probe-context.ts';
import { MissingProgramError } from './probe-error.ts';
import type { ProcessFilter, ProcessInfo } from './process-info.ts';
import { findProcess, findProcesses } from './processes.ts';
import { probeSocket, type SocketState } from './socket-state.ts';
import { SshBackend, type SshOptions } from './ssh-backend.ts';
import { type GroupState, probeGroup, probeUser, type UserState } from './user-state.ts';

/**
 * A machine to assert on, testinfra-style: a container (over the API server's exec), an SSH server, or the
 * local machine. Every probe runs plain programs (stat, tail, cat, ls, dpkg-query) as argv, never a shell.
 */
export interface Host extends AsyncDisposable {
  /** The URI naming the host in every message (`kube://ns/pod?container=c`, `ssh://user@ip:22`, `local://`). */
  readonly uri: string;
  /** Runs argv; a non-zero exit is a result (see CommandResult.check()), not an error. */
  run(argv: readonly string[], options?: CommandOptions): Promise<CommandResult>;
  /** testinfra's name for run(): `(await host.command(['id', '-u'])).check().stdout`. */
  command(argv: readonly string[], options?: CommandOptions): Promise<CommandResult>;
  /** Runs argv and throws CommandFailedError, carrying stdout and stderr, unless it exits 0. */
  check(argv: readonly string[], options?: CommandOptions): Promise<CommandResult>;
  file(path: string): Promise<FileState>;
  /** `tcp://3306`, `tcp://0.0.0.0:3306`, `tcp://[::]:22`, `udp://53`, `unix:///run/mysqld/mysqld.sock`. */
  socket(url: string): Promise<SocketState>;
  processes(filter?: ProcessFilter): Promise<ProcessInfo[]>;
  /** Exactly one matching process, else ProbeError listing what runs. */
  process(filter: ProcessFilter): Promise<ProcessInfo>;
  user(name: string): Promise<UserState>;
  group(name: string): Promise<GroupState>;
  package(name: string): Promise<PackageState>;
  close(): Promise<void>;
}

/** For ssh:// hosts: credentials and the host-key policy. kube:// hosts use the run's kubeconfig. */
export interface HostOptions extends Partial<Omit<SshOptions, 'host' | 'port' | 'username'>> {
  /**
   * kube:// only: probe from an ephemeral debug container of this image (with a shell and coreutils or busybox)
   * that shares the target's process namespace, for images without a shell or tools.
   */
  readonly debugImage?: string;
  /** kube:// only: the run's options and clients; default: runContext() (the run's, from the environment). */
  readonly context?: RunContext;
}

/**
 * Opens a host by URI:
 * - `kube://<namespace>/<pod>[?container=<name>]`: exec through the API server (no kubectl);
 * - `ssh://<user>@<address>[:port]` with `{ privateKey | password, hostKey | insecureSkipHostKeyCheck }`;
 * - `local://`: this machine.
 * Or wrap any HostBackend.
 */
export function host(target: string | HostBackend, options: HostOptions = {}): Host {
  return new ProbedHost(typeof target === 'string' ? backendFor(target, options) : target);
}

const hostKeys = {
  privateKey: true,
  passphrase: true,
  password: true,
  hostKey: true,
  insecureSkipHostKeyCheck: true,
  connectTimeout: true,
  debugImage: true,
  context: true,
} as const satisfies OptionKeys<HostOptions>;

const dns1123Subdomain = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A URI part that cannot be right: named with the whole URI as the caller wrote it. */
function refuseUriPart(uri: string, url: URL, allowedParams: readonly string[]): void {
  for (const [name, value] of url.searchParams) {
    if (!allowedParams.includes(name)) {
      const guess = didYouMean(name, allowedParams);
      throw new TypeError(
        `host "${uri}": unknown parameter "${name}"${guess ? `; ${guess}` : ''} (${url.protocol}// takes ${allowedParams.map((p) => `?${p}=`).join(', ') || 'none'})`,
      );
    }
    if (value === '') throw new TypeError(`host "${uri}": parameter "${name}" is empty`);
  }
}

function backendFor(uri: string, options: HostOptions): HostBackend {
  checkOptionKeys(options, hostKeys, 'host');
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new TypeError(
      `host "${uri}" is not a URI: use kube://namespace/pod?container=c, ssh://user@address:22 or local://`,
    );
  }
  switch (url.protocol) {
    case 'kube:': {
      const namespace = decodeURIComponent(url.hostname);
      const pod = decodeURIComponent(url.pathname.replace(/^\//, ''));
      if (!namespace || !pod || pod.includes('/')) {
        throw new TypeError(`host "${uri}": expected kube://<namespace>/<pod>[?container=<name>]`);
      }
      if (!isNamespaceName(namespace) || !dns1123Subdomain.test(pod)) {
        throw new TypeError(
          `host "${uri}": ${isNamespaceName(namespace) ? `"${pod}" is not a pod name` : `"${namespace}" is not a namespace name`} (lowercase letters, digits, "-"${isNamespaceName(namespace) ? ' and "."' : ''})`,
        );
      }
      refuseUriPart(uri, url, ['container']);
      const container = url.searchParams.get('container') ?? undefined;
      const context = options.context ?? runContext();
      if (options.debugImage) {
        return new KubeDebugBackend({ namespace, pod, container, image: options.debugImage, context });
      }
      return new KubeExecBackend({ namespace, pod, container, context });
    }
    case 'ssh:': {
      if (!url.username) throw new TypeError(`host "${uri}": expected ssh://<user>@<address>[:port]`);
      refuseUriPart(uri, url, []);
      if (url.pathname !== '' && url.pathname !== '/') {
        throw new TypeError(`host "${uri}": ssh:// takes no path ("${url.pathname}")`);
      }
      const { debugImage: _kubeOnly, context: _kubeToo, ...ssh } = options;
      return new SshBackend({
        ...ssh,
        host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: url.port ? Number(url.port) : 22,
        username: decodeURIComponent(url.username),
        password: ssh.password ?? (url.password ? decodeURIComponent(url.password) : undefined),
      });
    }
    case 'local:':
      if (url.host !== '' || !['', '/'].includes(url.pathname) || url.search !== '') {
        throw new TypeError(`host "${uri}": local:// names this machine and takes nothing after it`);
      }
      return new LocalBackend();
    default:
      throw new TypeError(`host "${uri}": unknown scheme ${url.protocol} (kube://, ssh://, local://)`);
  }
}

class ProbedHost implements Host, ProbeContext {
  readonly #backend: HostBackend;
  #hasShell: Promise<boolean> | undefined;

  constructor(backend: HostBackend) {
    this.#backend = backend;
  }

  get uri(): string {
    return this.#backend.uri;
  }

  path(path: string): string {
    return `${this.#backend.rootPrefix ?? ''}${path}`;
  }

  async run(argv: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
    if (argv.length === 0) throw new TypeError('run() needs a non-empty argv');
    const started = performance.now();
    try {
      const raw = await this.#backend.run(argv, options);
      return new CommandResult({ host: this.uri, argv, ...raw, durationMs: performance.now() - started });
    } catch (error) {
      if (error instanceof MissingProgramError) throw await this.#explainMissing(error, argv);
      throw error;
    }
  }

  async read(argv: readonly string[], options?: CommandOptions): Promise<CommandResult> {
    // Seen once on the local cluster under parallel load (containerd 1.6 exec): exit 0 and no output at all.
    let result = await this.run(argv, options);
    for (let retry = 0; retry < 2 && result.exitCode === 0 && result.stdout === ''; retry++) {
      result = await this.run(argv, options);
    }
    return result;
  }

  command(argv: readonly string[], options?: CommandOptions): Promise<CommandResult> {
    return this.run(argv, options);
  }

  async check(argv: readonly string[], options?: CommandOptions): Promise<CommandResult> {
    return (await this.run(argv, options)).check();
  }

  file(path: string): Promise<FileState> {
    return probeFile(this, path);
  }

  socket(url: string): Promise<SocketState> {
    return probeSocket(this, url);
  }

  processes(filter?: ProcessFilter): Promise<ProcessInfo[]> {
    return findProcesses(this, filter);
  }

  process(filter: ProcessFilter): Promise<ProcessInfo> {
    return findProcess(this, filter);
  }

  user(name: string): Promise<UserState> {
    return probeUser(this, name);
  }

  group(name: string): Promise<GroupState> {
    return probeGroup(this, name);
  }

  package(name: string): Promise<PackageState> {
    return probePackage(this, name);
  }

  close(): Promise<void> {
    return this.#backend.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** A missing program is common in slim images; a missing shell too means the image is shell-less. */
  async #explainMissing(error: MissingProgramError, argv: readonly string[]): Promise<MissingProgramError> {
    if (argv[0] === 'sh') return error;
    this.#hasShell ??= this.#backend
      .run(['sh', '-c', 'exit 0'], { timeout: 10_000 })
      .then((result) => result.exitCode === 0)
      .catch(() => false);
    const hasShell = await this.#hasShell;
    return new MissingProgramError({
      host: error.host,
      probe: error.probe,
      found: hasShell
        ? error.found
        : `${error.found}; the image has no shell (sh) either: it looks shell-less (distroless or scratch), so probes that run programs in it cannot work`,
      hint: hasShell
        ? `install \`${argv[0]}\` in the image (probes need coreutils or busybox: stat, tail, cat, ls, sha256sum)`
        : 'probe it from an ephemeral debug container: host(uri, { debugImage: "<an image with busybox>" })',
      cause: error,
    });
  }
}
