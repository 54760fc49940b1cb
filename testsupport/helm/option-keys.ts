import { didYouMean } from '../config/did-you-mean.ts';
import { ConfigError } from '../errors.ts';

// The keys each option bag knows. Type checking does not reach JavaScript callers or SWC-stripped tests, where a
// typo such as `valuse` would be dropped without a word.

/** The keys of an options interface, kept complete by `satisfies OptionKeys<T>` where the list is written. */
export type OptionKeys<T> = { readonly [K in keyof Required<T>]: true };

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `the string ${JSON.stringify(value)}` : `a ${typeof value}`;
}

/** Refuses options that are not an object, or that hold a key the call does not know. */
export function checkOptionKeys(options: unknown, known: object, what: string): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigError(`the options of ${what} must be an object, got ${describe(options)}`, {
      hint: `e.g. ${what}(…, { timeout: 120_000 }), or leave them out`,
    });
  }
  const names = Object.keys(known);
  for (const key of Object.keys(options)) {
    if (key in known) continue;
    const guess = didYouMean(key, names);
    throw new ConfigError(`${what} has no option "${key}"${guess ? `; ${guess}` : ''}`, {
      hint: `its options: ${names.join(', ')}`,
    });
  }
}

/** Refuses a list option (valuesFiles, apiVersions, ...) that is not a list of strings, e.g. one string. */
export function checkStringList(value: unknown, option: string): void {
  if (value === undefined) return;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return;
  throw new ConfigError(`${option} must be a list of strings, got ${describe(value)}`, {
    hint: typeof value === 'string' ? `write ${option}: [${JSON.stringify(value)}]` : `e.g. ${option}: ["a", "b"]`,
  });
}
