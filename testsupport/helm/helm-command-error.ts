import { ChartTestwareError } from '../errors.ts';

export interface HelmCommandFailure {
  /** The command line, binary first, with secrets blanked. */
  command: readonly string[];
  exitCode: number | undefined;
  /** helm's stderr, secrets blanked. */
  stderr: string;
  /** helm's stdout, secrets blanked (lint and test print their findings there). */
  stdout: string;
  durationMs: number;
  hint?: string;
  cause?: unknown;
}

/** A helm command exited non-zero (or could not start). Carries the redacted command line, exit code and output. */
export class HelmCommandError extends ChartTestwareError {
  readonly command: readonly string[];
  readonly exitCode: number | undefined;
  readonly stderr: string;
  readonly stdout: string;
  readonly durationMs: number;

  /** @internal the testware creates these; tests only receive them */
  constructor(failure: HelmCommandFailure, what?: string) {
    super(HelmCommandError.describe(failure, what), { hint: failure.hint, cause: failure.cause });
    this.command = failure.command;
    this.exitCode = failure.exitCode;
    this.stderr = failure.stderr;
    this.stdout = failure.stdout;
    this.durationMs = failure.durationMs;
  }

  /** helm's own message: the `Error: ...` lines of stderr, without the prefix. */
  get helmMessage(): string {
    return helmMessage(this.stderr);
  }

  /** The command line as one string (for logs); arguments with spaces are quoted. */
  get commandLine(): string {
    return formatCommand(this.command);
  }

  private static describe(failure: HelmCommandFailure, what: string | undefined): string {
    const subcommand = failure.command.slice(1).find((arg) => !arg.startsWith('-')) ?? 'command';
    const lines = [
      what ??
        `helm ${subcommand} failed (${failure.exitCode === undefined ? 'did not exit' : `exit code ${failure.exitCode}`}, after ${(failure.durationMs / 1000).toFixed(1)} s): ${helmMessage(failure.stderr) || '(no message on stderr)'}`,
      `  command: ${formatCommand(failure.command)}`,
    ];
    const stderr = failure.stderr.trim();
    if (stderr && stderr.split('\n').length > 1) lines.push(indent('stderr', stderr));
    const findings = findingLines(failure.stdout);
    if (findings.length > 0) lines.push(indent('output', findings.join('\n')));
    return lines.join('\n');
  }
}

/** A helm command ran past its timeout and was stopped. */
export class HelmTimeoutError extends HelmCommandError {}

/**
 * helm's own message: from the first `Error:` line to the next blank line, on one line, without the prefix.
 * (helm 4 spreads one template error over several indented lines; helm 3 prints it on one.)
 */
export function helmMessage(stderr: string): string {
  const lines = stderr.split('\n');
  const start = lines.findIndex((line) => line.startsWith('Error:'));
  if (start < 0) return (lines.filter((line) => line.trim() !== '').pop() ?? '').trim();
  const message: string[] = [];
  for (const line of lines.slice(start)) {
    if (line.trim() === '' || line.startsWith('Use --debug flag')) break;
    message.push(line.trim());
  }
  return message.join(' ').replace(/^Error:\s*/, '');
}

export function formatCommand(command: readonly string[]): string {
  return command.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`)).join(' ');
}

/**
 * lint's [ERROR]/[WARNING] lines with their indented continuation lines (helm 4), and helm test's suites, phases
 * and pod logs (up to the blank line that ends each log).
 */
function findingLines(stdout: string): string[] {
  const found: string[] = [];
  let block: 'finding' | 'logs' | undefined;
  for (const line of stdout.split('\n')) {
    if (/^\s*\[(ERROR|WARNING)\]|^\s*(Phase|TEST SUITE):/.test(line)) {
      found.push(line);
      block = 'finding';
    } else if (/^POD LOGS:/.test(line)) {
      found.push(line);
      block = 'logs';
    } else if ((block === 'finding' && /^\s+\S/.test(line)) || (block === 'logs' && line.trim() !== '')) {
      found.push(block === 'logs' ? `  ${line}` : line);
    } else {
      block = undefined;
    }
  }
  return found;
}

function indent(title: string, text: string): string {
  return `  ${title}:\n${text
    .split('\n')
    .slice(-40)
    .map((line) => `    ${line}`)
    .join('\n')}`;
}
