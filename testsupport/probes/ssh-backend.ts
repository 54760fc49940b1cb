import { createHash } from 'node:crypto';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { defaults } from '../config/defaults.ts';
import { ConfigError } from '../errors.ts';
import type { CommandOptions, HostBackend, RawCommandResult } from './host-backend.ts';
import { HostUnreachableError, MissingProgramError, ProbeTimeoutError } from './probe-error.ts';

export interface SshOptions {
  readonly host: string;
  /** Default 22. */
  readonly port?: number;
  readonly username: string;
  /** An OpenSSH or PEM private key; key login is tried before password login. */
  readonly privateKey?: string | Buffer;
  readonly passphrase?: string;
  readonly password?: string;
  /**
   * The host keys to accept: OpenSSH public key lines (`ssh-ed25519 AAAA... comment`, as in known_hosts or
   * /etc/ssh/ssh_host_*_key.pub) or `SHA256:...` fingerprints. Required unless insecureSkipHostKeyCheck is set.
   */
  readonly hostKey?: string | readonly string[];
  /** Accept any host key. Only for throw-away test hosts whose key cannot be learned another way. */
  readonly insecureSkipHostKeyCheck?: boolean;
  /** Milliseconds for TCP connect + handshake + auth; default 20 s. */
  readonly connectTimeout?: number;
}

/**
 * Runs commands over SSH (ssh2, no ssh binary). One connection per host, opened on the first command,
 * closed by close(). Host keys are checked unless explicitly switched off.
 */
export class SshBackend implements HostBackend {
  readonly uri: string;
  readonly #options: SshOptions;
  readonly #acceptedKeys: ReadonlySet<string> | null;
  #connection: Promise<Client> | undefined;
  #offeredKey: string | undefined;

  constructor(options: SshOptions) {
    this.#options = options;
    this.uri = `ssh://${options.username}@${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port ?? 22}`;
    const keys =
      options.hostKey === undefined ? [] : typeof options.hostKey === 'string' ? [options.hostKey] : options.hostKey;
    if (keys.length === 0 && !options.insecureSkipHostKeyCheck) {
      throw new ConfigError(`SSH host ${this.uri}: no hostKey given, and host-key checking is on`, {
        hint: 'pass { hostKey: "ssh-ed25519 AAAA..." } (e.g. read /etc/ssh/ssh_host_ed25519_key.pub through kube exec), or { insecureSkipHostKeyCheck: true } for a throw-away host',
      });
    }
    if (!options.privateKey && options.password === undefined) {
      throw new ConfigError(`SSH host ${this.uri}: neither privateKey nor password given`, {
        hint: 'pass { privateKey } (OpenSSH or PEM) or { password }',
      });
    }
    this.#acceptedKeys = options.insecureSkipHostKeyCheck
      ? null
      : new Set(keys.map((key) => fingerprintOf(key, this.uri)));
  }

  #connect(): Promise<Client> {
    this.#connection ??= new Promise<Client>((resolve, reject) => {
      const client = new Client();
      const config: ConnectConfig = {
        host: this.#options.host,
        port: this.#options.port ?? 22,
        username: this.#options.username,
        readyTimeout: this.#options.connectTimeout ?? 20_000,
        hostVerifier: (key: Buffer) => {
          this.#offeredKey = sha256Fingerprint(key);
          return this.#acceptedKeys === null || this.#acceptedKeys.has(this.#offeredKey);
        },
      };
      if (this.#options.privateKey) config.privateKey = this.#options.privateKey;
      if (this.#options.passphrase) config.passphrase = this.#options.passphrase;
      if (this.#options.password !== undefined) config.password = this.#options.password;
      client.once('ready', () => resolve(client));
      client.once('error', (error: Error & { level?: string }) => {
        this.#connection = undefined;
        reject(this.#connectError(error));
      });
      client.on('close', () => {
        this.#connection = undefined;
      });
      client.connect(config);
    });
    return this.#connection;
  }

  #connectError(error: Error & { level?: string }): HostUnreachableError {
    const hostKeyRejected = /verification failed|host denied/i.test(error.message);
    if (hostKeyRejected) {
      return new HostUnreachableError({
        host: this.uri,
        probe: 'SSH connect',
        found: `the server's host key ${this.#offeredKey ?? '(unknown)'} is not among the accepted ${[...(this.#acceptedKeys ?? [])].join(', ')}`,
        hint: 'a man in the middle, or the server regenerated its keys: read its key again (e.g. through kube exec) and pass it as hostKey',
        cause: error,
      });
    }
    const auth = error.level === 'client-authentication';
    return new HostUnreachableError({
      host: this.uri,
      probe: 'SSH connect',
      found: auth ? `authentication failed: ${error.message}` : error.message,
      hint: auth
        ? 'check the user name and that the public key is in its authorized_keys (or the password)'
        : 'is sshd running and the address reachable from here (pod IPs are, on the local cluster)?',
      cause: error,
    });
  }

  async run(argv: readonly string[], options: CommandOptions = {}): Promise<RawCommandResult> {
    const client = await this.#connect();
    const timeout = options.timeout ?? defaults.execTimeoutMs;
    // SSH carries one command string to the login shell: quote every argument so it arrives as one word.
    const command = argv.map(shellQuote).join(' ');
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = AbortSignal.timeout(timeout);
    const abort = options.signal ? AbortSignal.any([options.signal, timer]) : timer;
    let channel: ClientChannel | undefined;
    const outcome = await new Promise<{ code: number | null; signal: string | undefined } | 'aborted'>(
      (resolve, reject) => {
        // Listeners go on inside the callback: ssh2 may emit a fast command's output, exit and close in the
        // same tick as the exec reply, before any awaiting code would run.
        client.exec(command, (error, stream) => {
          if (error) return reject(this.#connectError(error));
          channel = stream;
          let code: number | null = null;
          let signal: string | undefined;
          stream.on('data', (chunk: Buffer) => out.push(chunk));
          stream.stderr.on('data', (chunk: Buffer) => err.push(chunk));
          stream.on('exit', (exitCode: number | null, signalName?: string) => {
            code = exitCode;
            signal = signalName;
          });
          stream.on('close', () => resolve({ code, signal }));
          if (options.stdin !== undefined) stream.end(options.stdin);
          else stream.end();
        });
        if (abort.aborted) resolve('aborted');
        else abort.addEventListener('abort', () => resolve('aborted'), { once: true });
      },
    );
    const stdout = Buffer.concat(out).toString('utf8');
    const stderr = Buffer.concat(err).toString('utf8');
    if (outcome === 'aborted') {
      channel?.close();
      if (options.signal?.aborted) throw options.signal.reason;
      throw new ProbeTimeoutError({
        host: this.uri,
        probe: `command ${JSON.stringify(argv)}`,
        found: `no exit within ${timeout} ms (stdout so far: ${JSON.stringify(stdout.slice(0, 200))})`,
        hint: 'raise { timeout } if the command is just slow',
      });
    }
    if (outcome.code === null) {
      if (outcome.signal) return { exitCode: 128 + signalNumber(outcome.signal), stdout, stderr };
      throw new HostUnreachableError({
        host: this.uri,
        probe: `command ${JSON.stringify(argv)}`,
        found: `the channel closed without an exit status (stderr: ${JSON.stringify(stderr.slice(0, 300))})`,
        hint: 'the connection may have dropped; is sshd still running?',
      });
    }
    if (outcome.code === 127 && /not found/i.test(stderr)) {
      throw new MissingProgramError({
        host: this.uri,
        probe: `command ${JSON.stringify(argv)}`,
        found: `\`${argv[0]}\` does not exist on the host (${stderr.trim()})`,
      });
    }
    return { exitCode: outcome.code, stdout, stderr };
  }

  async close(): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    if (!connection) return;
    const client = await connection.catch(() => undefined);
    client?.end();
  }
}

export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** `SHA256:<base64 without padding>` of a raw SSH public key blob, as `ssh-keygen -l` prints it. */
export function sha256Fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The fingerprint of an accepted-key entry: an OpenSSH public key line, or a fingerprint as is. */
export function fingerprintOf(entry: string, uri = 'the SSH host'): string {
  const trimmed = entry.trim();
  if (trimmed.startsWith('SHA256:')) return trimmed.replace(/=+$/, '');
  const fields = trimmed.split(/\s+/);
  // known_hosts lines start with host patterns; public key lines start with the key type.
  const typeIndex = fields.findIndex((field) => /^(ssh-|ecdsa-|sk-)/.test(field));
  const blob = typeIndex >= 0 ? fields[typeIndex + 1] : undefined;
  if (!blob || !/^[A-Za-z0-9+/]+=*$/.test(blob)) {
    throw new ConfigError(
      `${uri}: hostKey ${JSON.stringify(trimmed.slice(0, 40))} is neither a public key line nor a SHA256 fingerprint`,
      {
        hint: 'use the content of /etc/ssh/ssh_host_ed25519_key.pub ("ssh-ed25519 AAAA...") or "SHA256:..."',
      },
    );
  }
  return sha256Fingerprint(Buffer.from(blob, 'base64'));
}

function signalNumber(name: string | undefined): number {
  const numbers: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, KILL: 9, SEGV: 11, PIPE: 13, TERM: 15 };
  return numbers[(name ?? '').replace(/^SIG/, '')] ?? 0;
}
