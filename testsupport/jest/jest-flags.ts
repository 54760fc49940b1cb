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
 * through to Jest and a default selection), and a number option of Jest's whose value is not a number.
 */
export function checkJestArgs(jestArgs: readonly string[], runnerFlags: readonly string[]): void {
  const jest = installedJestOptions();
  for (let i = 0; i < jestArgs.length; i++) {
    const arg = jestArgs[i] as string;
    if (arg === '--') return;
    if (!arg.startsWith('-') || arg === '-') continue;
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
    if (option.type === 'boolean') continue;
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

function checkValue(given: string, option: JestOption & { readonly name: string }, value: string): void {
  if (option.name === 'maxWorkers' && !/^[1-9]\d*%?$/.test(value)) {
    throw new ConfigError(`${given} "${value}" is not a number of workers`, {
      hint: 'use a whole number or a share of the cores, e.g. --maxWorkers=2 or --maxWorkers=50%',
    });
  }
  if (option.type === 'number' && (value.trim() === '' || !Number.isFinite(Number(value)))) {
    throw new ConfigError(`${given} "${value}" is not a number`, { hint: `e.g. ${given}=30000` });
  }
}
