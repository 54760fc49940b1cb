import { CommandFailedError } from './probe-error.ts';

const shownOutput = 2_000;

/** The outcome of one command run on a host. A non-zero exit is a result, not an error: call check() for that. */
export class CommandResult {
  readonly host: string;
  readonly argv: readonly string[];
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;

  constructor(fields: {
    host: string;
    argv: readonly string[];
    exitCode: number;
    stdout: string;
    stderr: string;
    durationMs: number;
  }) {
    this.host = fields.host;
    this.argv = Object.freeze([...fields.argv]);
    this.exitCode = fields.exitCode;
    this.stdout = fields.stdout;
    this.stderr = fields.stderr;
    this.durationMs = fields.durationMs;
  }

  /** testinfra's name for the exit code. */
  get rc(): number {
    return this.exitCode;
  }

  get succeeded(): boolean {
    return this.exitCode === 0;
  }

  /** Returns this result when the command exited 0; otherwise throws CommandFailedError with both streams. */
  check(): this {
    if (this.exitCode === 0) return this;
    throw new CommandFailedError({
      host: this.host,
      probe: `command ${JSON.stringify(this.argv)}`,
      found: `exited with code ${this.exitCode}\n  stdout: ${clip(this.stdout)}\n  stderr: ${clip(this.stderr)}`,
      hint: 'the streams above are what the command printed; run it by hand on the host to dig further',
    });
  }
}

function clip(text: string): string {
  const trimmed = text.trimEnd();
  if (trimmed === '') return '(empty)';
  const shown = trimmed.length > shownOutput ? `${trimmed.slice(0, shownOutput)}… (${trimmed.length} chars)` : trimmed;
  return shown.replaceAll('\n', '\n          ');
}
