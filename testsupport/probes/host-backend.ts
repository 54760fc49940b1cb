/** Per-command options every backend honours. */
export interface CommandOptions {
  /** Milliseconds; default defaults.execTimeoutMs. */
  readonly timeout?: number;
  readonly signal?: AbortSignal | undefined;
  /** Written to the command's standard input, which is then closed. */
  readonly stdin?: string | Buffer;
}

export interface RawCommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * How a Host runs one argv on its machine. Backends throw ProbeError subclasses for everything that is not an
 * exit code: MissingProgramError, HostUnreachableError, ProbeTimeoutError.
 */
export interface HostBackend {
  /** The URI naming this host in messages (no secrets in it). */
  readonly uri: string;
  /**
   * Where the target's file system appears to the commands this backend runs: '' (the default) when they run
   * inside it; `/proc/1/root` for a debug container that shares the target's process namespace.
   */
  readonly rootPrefix?: string;
  run(argv: readonly string[], options: CommandOptions): Promise<RawCommandResult>;
  close(): Promise<void>;
}
