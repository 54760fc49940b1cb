import { ChartTestwareError } from '../errors.ts';

/** A values object helm cannot receive as given (not an object, a function, a cycle, a number helm would change). */
export class ValuesError extends ChartTestwareError {}

/** Values given as one object or a list of them (later wins), as a list; [] when none are given. */
export function valuesList<T>(values: T | readonly T[] | undefined): T[] {
  if (values === undefined) return [];
  return Array.isArray(values) ? [...(values as readonly T[])] : [values as T];
}

/** The values files' texts of values given as one object or a list, each checked and named as the caller gave it. */
export function valuesFileTexts(values: unknown): string[] {
  return valuesList(values).map((item, index) =>
    valuesFileText(item, Array.isArray(values) ? `values[${index}]` : 'values'),
  );
}

/**
 * Checks that `values` is a plain object of JSON data and returns the text of its values file. The file is JSON:
 * helm reads values files with YAML 1.1 rules, and JSON's quoted strings and keys are never re-read as something
 * else ("yes", "no", "on", "0755", "1_000", "~" stay strings; a key "no" stays "no"). helm keeps every number as a
 * 64-bit float, as JavaScript does, so numbers arrive unchanged; a bigint or a non-finite number cannot.
 * `label` names the values as the caller gave them, e.g. "values[1]".
 */
export function valuesFileText(values: unknown, label = 'values'): string {
  if (values === null || typeof values !== 'object' || Array.isArray(values) || !isPlainObject(values)) {
    throw new ValuesError(`${label} must be an object of chart values, got ${describe(values)}`, {
      hint: `pass e.g. { replicaCount: 2 }; for YAML text use valuesFiles, or leave ${label} out`,
    });
  }
  checkValue(values, label, []);
  return JSON.stringify(values);
}

function checkValue(value: unknown, at: string, ancestors: object[]): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined': // left out, as JSON leaves it out
      return;
    case 'number':
      if (!Number.isFinite(value)) {
        throw new ValuesError(`${at} is ${value}, which helm's values (JSON numbers) cannot hold`, {
          hint: 'pass a finite number, or a string',
        });
      }
      return;
    case 'bigint':
      throw new ValuesError(`${at} is a bigint (${value}n): helm keeps every number of its values as a 64-bit float`, {
        hint: Number.isSafeInteger(Number(value))
          ? `pass the number ${value}`
          : `pass it as a string ("${value}") and convert it in the template; a float would change it to ${Number(value)}`,
      });
    case 'function':
    case 'symbol':
      throw new ValuesError(`${at} is a ${typeof value}, which cannot be a chart value`, {
        hint: 'pass data only: objects, arrays, strings, numbers, booleans and null',
      });
  }
  if (value === null) return;
  const object = value as object;
  if (ancestors.includes(object)) {
    throw new ValuesError(`${at} refers back to an object that contains it (a cycle)`, {
      hint: 'values must be a tree: copy the shared part (structuredClone) instead of referring to it',
    });
  }
  if (Array.isArray(object)) {
    object.forEach((item, index) => {
      checkValue(item, `${at}[${index}]`, [...ancestors, object]);
    });
    return;
  }
  if (!isPlainObject(object)) {
    throw new ValuesError(`${at} is ${describe(object)}, not plain data`, {
      hint: 'convert it first (e.g. a Date with toISOString(), a Map with Object.fromEntries())',
    });
  }
  for (const [key, item] of Object.entries(object)) {
    checkValue(item, /^[A-Za-z_$][\w$]*$/.test(key) ? `${at}.${key}` : `${at}[${JSON.stringify(key)}]`, [
      ...ancestors,
      object,
    ]);
  }
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `a ${(value as object).constructor?.name ?? 'object'}`;
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}
