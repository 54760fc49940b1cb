import { createRequire } from 'node:module';
import { didYouMean } from '../config/did-you-mean.ts';
import { ConfigError } from '../errors.ts';

/** One of jest-cli's yargs option definitions (the part this check reads). */
interface JestOption {
  readonly alias?: string | readonly string[];
  readonly type?: 'boolean' | 'string' | 'number' | 'array';
}

/**
 * The options the installed Jest accepts, read from jest-cli's own yargs definitions at run time (so a Jest
 * upgrade brings its flags along): every spelling (--camelCase, --kebab-case, -alias) to its option.
 */
export function installedJestOptions(): ReadonlyMap<string, JestOption & { readonly name: string }> {
  const fromJest = createRequire(createRequire(import.meta.url).resolve('jest/package.json'));
  const definitions = (fromJest('jest-cli') as { yargsOptions: Record<string, JestOption> }).yargsOptions;
  const spellings = new Map<string, JestOption & { readonly name: string }>();
  for (const [name, definition] of Object.entries(definitions)) {
    const option = { ...definition, name };
    spellings.set(`--${name}`, option);
    spellings.set(`--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`, option);
    const aliases = definition.alias === undefined ? [] : [definition.alias].flat();
    for (const alias of aliases) spellings.set(alias.length === 1 ? `-${alias}` : `--${alias}`, option);
  }
  return spellings;
}

/**
 * Refuses an option that neither the runner nor the installed Jest knows (a typo like --markr must not fall
 * through to Jest and a default selection), and values Jest would take badly: a number option that is not a
 * number, a switch given another value, a path pattern or -t that is not a regular expression, a shard out of
 * range, watch mode with no terminal.
 */
export function checkJestArgs(jestArgs: readonly string[], runnerFlags: readonly string[]): void {
  const jest = installedJestOptions();
  for (let i = 0; i < jestArgs.length; i++) {
    const arg = jestArgs[i] as string;
    if (arg === '--') return;
    if (!arg.startsWith('-') || arg === '-') {
      checkPattern(`test path pattern "${arg}"`, arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const spelled = equals > 0 ? arg.slice(0, equals) : arg;
    const shortGroup = !arg.startsWith('--') && spelled.length > 2;
    const name = shortGroup ? spelled.slice(0, 2) : spelled;
    const option = jest.get(name) ?? negated(name, jest);
    if (!option) {
      const guess = didYouMean(name, [...runnerFlags, ...jest.keys()]);
      throw new ConfigError(`unknown option ${name}${guess ? `; ${guess}` : ''}`, {
        hint: "the runner's options: npm test -- --help; anything else must be an option of Jest (npx jest --help) or a test path pattern",
      });
    }
    if (option.type === 'boolean') {
      checkSwitch(name, option, equals > 0 ? arg.slice(equals + 1) : undefined);
      continue;
    }
    let value: string | undefined;
    if (equals > 0) value = arg.slice(equals + 1);
    else if (shortGroup) value = spelled.slice(2);
    else if (takesNext(jestArgs[i + 1], option)) value = jestArgs[++i];
    if (value !== undefined) checkValue(name, option, value);
  }
}

/** Whether the next argument is the option's value: not an option itself, unless a negative number. */
function takesNext(next: string | undefined, option: JestOption): boolean {
  if (next === undefined) return false;
  return !next.startsWith('-') || (option.type === 'number' && /^-\d/.test(next));
}

function negated(
  name: string,
  jest: ReadonlyMap<string, JestOption & { readonly name: string }>,
): (JestOption & { readonly name: string }) | undefined {
  if (!name.startsWith('--no-')) return undefined;
  const option = jest.get(`--${name.slice(5)}`);
  return option?.type === 'boolean' ? option : undefined;
}

/** Jest reads path patterns and -t as regular expressions; a broken one would run everything or fail every file. */
function checkPattern(what: string, pattern: string): void {
  try {
    new RegExp(pattern);
  } catch (error) {
    throw new ConfigError(`${what} is not a regular expression: ${(error as Error).message.replace(/^.*: /, '')}`, {
      hint: 'Jest matches it as a regular expression: escape ( ) [ ] * + ? with a backslash, e.g. "tests/a\\(b\\)"',
    });
  }
}

function checkSwitch(given: string, option: JestOption & { readonly name: string }, value: string | undefined): void {
  if ((option.name === 'watch' || option.name === 'watchAll') && !process.stdin.isTTY) {
    throw new ConfigError(`${given} needs an interactive terminal, and this run has none (stdin is not a TTY)`, {
      hint: 'leave it out in CI and scripts; in a terminal it works',
    });
  }
  if (value === undefined || value === 'true' || value === 'false') return;
  if (option.name === 'bail' && /^[1-9]\d*$/.test(value)) return;
  throw new ConfigError(`${given} "${value}" is not a value ${given} takes`, {
    hint:
      option.name === 'bail'
        ? 'write --bail (stop at the first failing file) or --bail=N, N a whole number of failing files'
        : `write ${given} alone, or ${given}=false`,
  });
}

function checkValue(given: string, option: JestOption & { readonly name: string }, value: string): void {
  if (option.name === 'testNamePattern') checkPattern(`${given} "${value}"`, value);
  if (option.name === 'shard') {
    const [index, total] = (/^(\d+)\/(\d+)$/.exec(value) ?? []).slice(1).map(Number);
    if (index === undefined || total === undefined || index < 1 || total < 1 || index > total) {
      throw new ConfigError(`${given} "${value}" is not a shard`, {
        hint: 'write the shard and the count, 1-based, e.g. --shard=2/3 (the second of three)',
      });
    }
  }
  if (option.name === 'seed' && /^-?\d+$/.test(value) && (Number(value) < -0x80000000 || Number(value) > 0x7fffffff)) {
    throw new ConfigError(`${given} "${value}" is out of range`, {
      hint: 'use a whole number from -2147483648 to 2147483647',
    });
  }
  if (option.name === 'maxWorkers' && !/^[1-9]\d*%?$/.test(value)) {
    throw new ConfigError(`${given} "${value}" is not a number of workers`, {
      hint: 'use a whole number or a share of the cores, e.g. --maxWorkers=2 or --maxWorkers=50%',
    });
  }
  if (option.type === 'number' && (value.trim() === '' || !Number.isFinite(Number(value)))) {
    throw new ConfigError(`${given} "${value}" is not a number`, { hint: `e.g. ${given}=30000` });
  }
}
