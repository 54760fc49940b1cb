import { type ParseArgsConfig, parseArgs } from 'node:util';
import { didYouMean } from '../config/did-you-mean.ts';
import { ChartTestwareError, ConfigError } from '../errors.ts';
import { connectionCause } from '../kube/connection-cause.ts';

/** A mistake on a command line: the CLI prints one line and its usage, and exits 2. */
export class UsageError extends ConfigError {}

/** Exit code of a usage error, for every CLI of the project. */
export const usageExit = 2;

/**
 * node:util parseArgs, with its mistakes (unknown option, missing value, stray argument) turned into a UsageError
 * of one line, instead of a TypeError and a stack trace.
 */
export function parseCliArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    const parsed = parseArgs(config);
    refuseRepeats(config);
    return parsed;
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    if (!code?.startsWith('ERR_PARSE_ARGS_')) throw error;
    const quoted = /'([^']*)'/.exec(message)?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const known = Object.entries(config.options ?? {}).flatMap(([name, option]) => [
        `--${name}`,
        ...(option.short ? [`-${option.short}`] : []),
      ]);
      const guess = didYouMean(quoted, known);
      throw new UsageError(`unknown option ${quoted}${guess ? `; ${guess}` : ''}`);
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(`unexpected argument "${quoted}"`);
    const option = quoted.replace(/ <value>$/, '').replace(/^-\w, /, '');
    if (/argument missing/.test(message)) throw new UsageError(`${option} needs a value`);
    if (/ambiguous/.test(message)) {
      throw new UsageError(
        `${option} needs a value: the next argument starts with "-" (for such a value write ${option}=VALUE)`,
      );
    }
    throw new UsageError(message.split('. ')[0] as string);
  }
}

/** An option that takes one value, given twice: parseArgs would keep the last without a word (a switch may repeat). */
function refuseRepeats(config: ParseArgsConfig): void {
  const seen = new Map<string, string>();
  for (const token of parseArgs({ ...config, tokens: true }).tokens ?? []) {
    if (token.kind !== 'option' || token.value === undefined || config.options?.[token.name]?.multiple) continue;
    const value = `${token.rawName} "${token.value}"`;
    const first = seen.get(token.name);
    if (first !== undefined) throw new UsageError(`--${token.name} is given twice: ${first}, then ${value}`);
    seen.set(token.name, value);
  }
}

/**
 * Runs a CLI's main and turns what it throws into one line on stderr and an exit code: usage mistakes 2 (with the
 * usage), bad input 2, an unusable cluster or another chart-testware error 1; a bug keeps its stack trace.
 */
/** The parsed arguments, or undefined after printing the mistake (one line) and the usage: exit with usageExit. */
export function argsOrUsage<T>(name: string, usage: string, parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    console.error(`${name}: ${(error as Error).message}\n\n${usage}`);
    return undefined;
  }
}

export function runCli(name: string, usage: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof UsageError) {
        console.error(`${name}: ${error.message}\n\n${usage}`);
        process.exit(usageExit);
      }
      if (error instanceof ConfigError) {
        console.error(`${name}: ${error.message}`);
        process.exit(usageExit);
      }
      if (error instanceof ChartTestwareError) {
        console.error(`${name}: ${error.message}`);
        process.exit(1);
      }
      if (isConnectionFailure(error)) {
        const { text, hint } = connectionCause(error);
        console.error(`${name}: cannot reach the cluster: ${text}\n  hint: ${hint}`);
        process.exit(1);
      }
      console.error(`${name}:`, error);
      process.exit(1);
    },
  );
}

/** fetch's own failure (undici's "fetch failed" with the reason in `cause`), not an answer of the API server. */
function isConnectionFailure(error: unknown): boolean {
  return error instanceof TypeError && error.message === 'fetch failed';
}

/** A Kubernetes namespace name given on a command line, checked before any cluster call. */
export function checkNamespaceArg(flag: string, value: string): string {
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value)) {
    throw new UsageError(`${flag} "${value}" is not a valid Kubernetes namespace name`, {
      hint: 'use at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit',
    });
  }
  return value;
}
