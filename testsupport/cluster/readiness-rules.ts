import type { KubernetesObject } from '@kubernetes/client-node';
import { type JsonPathPredicate, parseJsonPathPredicate } from '../config/json-path-predicate.ts';
import { parseReadinessRules, type ReadinessRuleConfig } from '../config/readiness-config.ts';
import { ConfigError } from '../errors.ts';

/** Says whether an object is ready: true/false, or `{ ready, reason }` where reason says what it still waits for. */
export type ReadyFunction = (
  object: KubernetesObject,
) => boolean | { readonly ready: boolean; readonly reason?: string };
/** Says whether an object can never become ready: true, or the failure's message; false/undefined when not. */
export type FailedFunction = (object: KubernetesObject) => boolean | string | undefined;

/**
 * A readiness rule given per call (`ChartDeployment.install(chart, { readiness: [...] })`, `waitReady({ readiness })`):
 * like a chart-testware.json rule, and its predicates may also be functions.
 */
export interface ReadinessRule {
  readonly kind: string;
  /** The API group ("" for the core group); left out, the rule applies to the kind in any group. */
  readonly group?: string;
  readonly ready?: string | ReadyFunction;
  readonly failed?: string | FailedFunction;
  /** A JSONPath whose value is the failure's message (default: `$.status.message` when it is text). */
  readonly message?: string;
  readonly ignore?: boolean;
}

/** What a rule says about one object; undefined fields: the rule has nothing to say there. */
export interface RuleVerdict {
  readonly failed?: string;
  readonly ready?: boolean;
  readonly waitingFor?: string;
}

/** One rule ready to evaluate, with where it came from for messages. */
export class CompiledRule {
  readonly kind: string;
  readonly group: string | undefined;
  readonly ignore: boolean;
  readonly origin: string;
  readonly #ready: JsonPathPredicate | ReadyFunction | undefined;
  readonly #failed: JsonPathPredicate | FailedFunction | undefined;
  readonly #message: JsonPathPredicate | undefined;

  constructor(rule: ReadinessRule, origin: string) {
    this.kind = rule.kind;
    this.group = rule.group;
    this.ignore = rule.ignore === true;
    this.origin = origin;
    const compile = <F>(predicate: string | F | undefined) =>
      typeof predicate === 'string' ? parseJsonPathPredicate(predicate) : predicate;
    this.#ready = compile(rule.ready);
    this.#failed = compile(rule.failed);
    this.#message = rule.message ? parseJsonPathPredicate(rule.message) : undefined;
  }

  get hasReady(): boolean {
    return this.#ready !== undefined;
  }

  matches(kind: string, group: string): boolean {
    return kind === this.kind && (this.group === undefined || this.group === group);
  }

  /** The failure message when the `failed` predicate holds. */
  failure(object: KubernetesObject): string | undefined {
    const failed = this.#failed;
    if (!failed) return undefined;
    if (typeof failed === 'function') {
      const answer = failed(object);
      if (!answer) return undefined;
      return typeof answer === 'string' ? answer : `${this.origin}: failed (a function) holds`;
    }
    if (!failed.test(object)) return undefined;
    const message = (this.#message ?? statusMessage).values(object).find((value) => typeof value === 'string');
    return `${failed.source} holds (${this.origin})${message ? `: ${message}` : ''}`;
  }

  /** Whether the `ready` predicate holds, and if not what the object shows instead. */
  readiness(object: KubernetesObject): { ready: boolean; waitingFor?: string } {
    const ready = this.#ready;
    if (!ready) return { ready: false };
    if (typeof ready === 'function') {
      const answer = ready(object);
      if (typeof answer === 'boolean') {
        return answer ? { ready: true } : { ready: false, waitingFor: `not ready by ${this.origin}` };
      }
      return answer.ready
        ? { ready: true }
        : { ready: false, waitingFor: `${answer.reason ?? 'not ready'} (${this.origin})` };
    }
    if (ready.test(object)) return { ready: true };
    const seen = ready.values(object);
    return {
      ready: false,
      waitingFor: `waiting for ${ready.source} (${this.origin}); ${ready.path} is ${
        seen.length === 0 ? 'not set' : seen.map((value) => JSON.stringify(value)).join(', ')
      }`,
    };
  }
}

const statusMessage = parseJsonPathPredicate('$.status.message');

/**
 * The rules of one wait: those given with the call first (they win), then chart-testware.json's. Bad predicates in
 * the call's rules are a ConfigError naming `readiness[i].<key>` of the option, thrown before the wait starts.
 */
export function compileRules(
  perCall: readonly ReadinessRule[] = [],
  fromConfig: readonly ReadinessRuleConfig[] = [],
): CompiledRule[] {
  const where = 'the readiness option';
  if (!Array.isArray(perCall)) {
    throw new ConfigError(`${where} must be a list of rules`, {
      hint: `e.g. [{ kind: 'Widget', ready: "$.status.state == 'Running'" }]`,
    });
  }
  // the JSON-shaped part is checked like a config rule (naming readiness[i].<key>); functions are taken as they are
  parseReadinessRules(
    perCall.map((rule) =>
      Object.fromEntries(
        Object.entries(rule ?? {}).map(([key, value]) => [key, typeof value === 'function' ? '$' : value]),
      ),
    ),
    where,
  );
  return [
    ...perCall.map((rule, index) => new CompiledRule(rule, `readiness[${index}] of the call`)),
    ...fromConfig.map((rule, index) => new CompiledRule(rule, `readiness[${index}] of chart-testware.json`)),
  ];
}
