import type { CommandResult } from './command-result.ts';
import type { CommandOptions } from './host-backend.ts';

/** What a probe module needs from its host: a name for messages and a way to run argv. */
export interface ProbeContext {
  readonly uri: string;
  /** The path under which the commands see the target's `path` (see HostBackend.rootPrefix). */
  path(path: string): string;
  run(argv: readonly string[], options?: CommandOptions): Promise<CommandResult>;
  /**
   * run() for a command that always prints something when it succeeds (stat, tail, ls, ...): an exit 0 with
   * nothing on stdout is taken for lost output and the command is run again (twice at most).
   */
  read(argv: readonly string[], options?: CommandOptions): Promise<CommandResult>;
}
