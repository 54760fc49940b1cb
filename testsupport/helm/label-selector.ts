import { ChartTestwareError } from '../errors.ts';

/** A label selector that does not parse. */
export class LabelSelectorError extends ChartTestwareError {}

type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'doesnotexist' };

/**
 * A Kubernetes label selector, as kubectl's `-l` takes it ("app=web,tier!=db,env in (qa,prod),!legacy"),
 * or an object of required labels ({ app: 'web' }).
 */
export class LabelSelector {
  readonly #requirements: readonly Requirement[];
  readonly source: string;

  private constructor(requirements: Requirement[], source: string) {
    this.#requirements = requirements;
    this.source = source;
  }

  static parse(selector: string | Readonly<Record<string, string>>): LabelSelector {
    if (typeof selector !== 'string') {
      if (selector === null || typeof selector !== 'object' || Array.isArray(selector)) {
        throw new LabelSelectorError(`label selector ${String(selector)} is neither a string nor an object of labels`, {
          hint: 'pass "app=web,tier!=db" or { app: "web" }',
        });
      }
      for (const [key, value] of Object.entries(selector)) {
        if (typeof value !== 'string') {
          throw new LabelSelectorError(
            `label selector { ${key}: ${JSON.stringify(value)} }: the value of "${key}" is a ${typeof value}, and label values are strings`,
            { hint: `write { ${key}: "${String(value)}" }` },
          );
        }
      }
      const requirements = Object.entries(selector).map(
        ([key, value]): Requirement => ({ key, op: 'in', values: [value] }),
      );
      return new LabelSelector(
        requirements,
        Object.entries(selector)
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      );
    }
    const requirements: Requirement[] = [];
    for (const part of splitTopLevel(selector)) {
      const text = part.trim();
      if (text === '') continue;
      let match = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(text);
      if (match) {
        const values = (match[3] ?? '').split(',').map((v) => v.trim());
        requirements.push({ key: match[1] ?? '', op: match[2] as 'in' | 'notin', values });
        continue;
      }
      match = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(text);
      if (match) {
        requirements.push({ key: match[1] ?? '', op: match[2] === '!=' ? 'notin' : 'in', values: [match[3] ?? ''] });
        continue;
      }
      match = /^(!?)\s*([\w./-]+)$/.exec(text);
      if (match) {
        requirements.push({ key: match[2] ?? '', op: match[1] ? 'doesnotexist' : 'exists' });
        continue;
      }
      throw new LabelSelectorError(`label selector "${selector}" cannot be parsed at "${text}"`, {
        hint: 'use kubectl syntax: key=value, key!=value, key in (a,b), key notin (a,b), key, !key, joined by commas',
      });
    }
    return new LabelSelector(requirements, selector);
  }

  matches(labels: Readonly<Record<string, string>> | undefined): boolean {
    const present = labels ?? {};
    return this.#requirements.every((requirement) => {
      const has = Object.hasOwn(present, requirement.key);
      switch (requirement.op) {
        case 'exists':
          return has;
        case 'doesnotexist':
          return !has;
        case 'in':
          return has && requirement.values.includes(present[requirement.key] ?? '');
        default:
          return !has || !requirement.values.includes(present[requirement.key] ?? '');
      }
    });
  }
}

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of selector) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}
