import { ConfigError } from '../errors.ts';
import { didYouMean } from './did-you-mean.ts';
import { JsonPathPredicateError, parseJsonPathPredicate } from './json-path-predicate.ts';

/**
 * A readiness rule for one kind, as chart-testware.json's `readiness` list holds it:
 * `{ "kind": "DeviceServer", "group": "tango.tango-controls.org", "ready": "$.status.state == 'Running'",
 *    "failed": "$.status.state == 'Error'", "message": "$.status.message" }`, or `{ "kind": "X", "ignore": true }`.
 * Predicates are JSONPath predicates (see json-path-predicate.ts); all of them are plain strings, so the rules
 * travel with the run's options to every Jest worker.
 */
export interface ReadinessRuleConfig {
  readonly kind: string;
  /** The API group ("" for the core group); left out, the rule applies to the kind in any group. */
  readonly group?: string;
  /** Holds when the object is ready; left out, the default conventions decide (see custom-readiness.ts). */
  readonly ready?: string;
  /** Holds when the object can never become ready: the wait fails at once. */
  readonly failed?: string;
  /** A JSONPath whose value is the failure's message (default: `$.status.message` when it is text). */
  readonly message?: string;
  /** true: objects of this kind count as ready as soon as the wait starts (kinds that never report readiness). */
  readonly ignore?: boolean;
}

const ruleKeys = ['kind', 'group', 'ready', 'failed', 'message', 'ignore'] as const;
const example = `e.g. "readiness": [{ "kind": "Widget", "group": "ct.example.org", "ready": "$.status.state == 'Running'" }]`;

/**
 * Checks a `readiness` list; every mistake names its place as the user wrote it (`readiness[1].ready`) and is
 * reported before anything is deployed. `where` names the source ("chart-testware.json").
 */
export function parseReadinessRules(value: unknown, where: string): ReadinessRuleConfig[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new ConfigError(`${where}: "readiness" must be a list of rules, not ${describe(value)}`, { hint: example });
  }
  return value.map((rule, index) => checkRule(rule, `${where}: readiness[${index}]`));
}

function checkRule(rule: unknown, at: string): ReadinessRuleConfig {
  if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) {
    throw new ConfigError(`${at} must be an object, not ${describe(rule)}`, { hint: example });
  }
  for (const key of Object.keys(rule)) {
    if (!(ruleKeys as readonly string[]).includes(key)) {
      const guess = didYouMean(key, ruleKeys);
      throw new ConfigError(`${at} has an unknown key "${key}"${guess ? `; ${guess}` : ''}`, {
        hint: `a rule's keys: ${ruleKeys.join(', ')}`,
      });
    }
  }
  const { kind, group, ready, failed, message, ignore } = rule as Record<string, unknown>;
  if (typeof kind !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) {
    throw new ConfigError(`${at}.kind must name a kind as the API spells it (e.g. "Widget"), not ${describe(kind)}`, {
      hint: example,
    });
  }
  if (group !== undefined && (typeof group !== 'string' || !/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$/.test(group))) {
    throw new ConfigError(
      `${at}.group must be an API group such as "ct.example.org" ("" for the core group), not ${describe(group)}`,
      {
        hint: 'leave "group" out to match the kind in any group',
      },
    );
  }
  if (ignore !== undefined && typeof ignore !== 'boolean') {
    throw new ConfigError(`${at}.ignore must be true or false, not ${describe(ignore)}`);
  }
  for (const [key, predicate] of [
    ['ready', ready],
    ['failed', failed],
    ['message', message],
  ] as const) {
    if (predicate === undefined) continue;
    if (typeof predicate !== 'string') {
      throw new ConfigError(`${at}.${key} must be a JSONPath predicate string, not ${describe(predicate)}`, {
        hint: example,
      });
    }
    checkPredicate(predicate, `${at}.${key}`);
  }
  if (ignore === true && (ready !== undefined || failed !== undefined)) {
    throw new ConfigError(`${at} both ignores ${kind} and gives it a "ready"/"failed" predicate`, {
      hint: 'keep "ignore": true alone, or drop it to use the predicates',
    });
  }
  if (ignore !== true && ready === undefined && failed === undefined) {
    throw new ConfigError(`${at} for ${kind} says nothing: give "ready", "failed" or "ignore": true`, {
      hint: example,
    });
  }
  return rule as ReadinessRuleConfig;
}

/** Throws a ConfigError naming `at` when `predicate` is not a JSONPath predicate this evaluator understands. */
export function checkPredicate(predicate: string, at: string): void {
  try {
    parseJsonPathPredicate(predicate);
  } catch (error) {
    if (!(error instanceof JsonPathPredicateError)) throw error;
    throw new ConfigError(`${at} ${JSON.stringify(predicate)} is not a JSONPath predicate: ${error.message}`, {
      hint: `write a path from $ and an optional comparison with a literal, e.g. "$.status.state == 'Running'" or "$.status.conditions[?(@.type == 'Ready')].status == 'True'"`,
    });
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'string'
    ? `the string ${JSON.stringify(value)}`
    : `${typeof value === 'object' ? 'an' : 'a'} ${typeof value}`;
}
