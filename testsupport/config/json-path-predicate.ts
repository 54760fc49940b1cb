/**
 * A small, safe JSONPath predicate: a path from the root `$`, optionally compared with a literal, e.g.
 * `$.status.state == 'Running'`, `$.status.readyReplicas >= 2`,
 * `$.status.conditions[?(@.type == 'Ready')].status == 'True'`. Nothing is evaluated as code.
 *
 * Path steps: `.name`, `['name']`, `[0]`, `[*]`, `[?(@.sub.path <op> <literal>)]`. Operators: == != < <= > >=.
 * Literals: 'text', "text", numbers, true, false, null. A path may reach several values (through `[*]` or a
 * filter): the predicate holds when one of them satisfies it. A bare path holds when it reaches a value that is
 * not undefined, null or false.
 */
export interface JsonPathPredicate {
  readonly source: string;
  /** The path part alone ("$.status.state"), for messages. */
  readonly path: string;
  test(object: unknown): boolean;
  /** The values the path reaches in `object`. */
  values(object: unknown): unknown[];
}

export class JsonPathPredicateError extends Error {}

type Literal = string | number | boolean | null;
type Operator = '==' | '!=' | '<' | '<=' | '>' | '>=';
type Step =
  | { readonly type: 'key'; readonly key: string }
  | { readonly type: 'all' }
  | {
      readonly type: 'filter';
      readonly path: readonly Step[];
      readonly operator?: Operator;
      readonly literal?: Literal;
    };

/** Parses `source`; throws JsonPathPredicateError saying where it stopped understanding it. */
export function parseJsonPathPredicate(source: string): JsonPathPredicate {
  if (typeof source !== 'string' || source.trim() === '') throw new JsonPathPredicateError('it is empty');
  const reader = new Reader(source);
  reader.skipSpace();
  if (!reader.take('$')) throw new JsonPathPredicateError(`it must start at the root "$" (e.g. "$.status.state")`);
  const steps = readSteps(reader, false);
  const pathEnd = reader.position;
  reader.skipSpace();
  let operator: Operator | undefined;
  let literal: Literal | undefined;
  if (!reader.done()) {
    operator = readOperator(reader);
    reader.skipSpace();
    literal = readLiteral(reader);
    reader.skipSpace();
    if (!reader.done()) reader.fail('unexpected text after the comparison');
  }
  const path = source.slice(source.indexOf('$'), pathEnd).trim();
  const values = (object: unknown) => walk([object], steps);
  return {
    source,
    path,
    values,
    test: (object) => values(object).some((value) => compare(value, operator, literal)),
  };
}

class Reader {
  readonly text: string;
  position = 0;
  constructor(text: string) {
    this.text = text;
  }
  done(): boolean {
    return this.position >= this.text.length;
  }
  peek(length = 1): string {
    return this.text.slice(this.position, this.position + length);
  }
  take(token: string): boolean {
    if (this.text.startsWith(token, this.position)) {
      this.position += token.length;
      return true;
    }
    return false;
  }
  skipSpace(): void {
    while (/\s/.test(this.peek())) this.position += 1;
  }
  fail(problem: string): never {
    throw new JsonPathPredicateError(
      `${problem} at character ${this.position + 1} ("${this.text.slice(this.position, this.position + 12)}")`,
    );
  }
}

function readSteps(reader: Reader, inFilter: boolean): Step[] {
  const steps: Step[] = [];
  for (;;) {
    if (reader.take('.')) {
      if (reader.take('*')) {
        steps.push({ type: 'all' });
        continue;
      }
      const name = /^[A-Za-z0-9_-]+/.exec(reader.text.slice(reader.position))?.[0];
      if (!name) reader.fail('expected a field name after "."');
      reader.position += name.length;
      steps.push({ type: 'key', key: name });
    } else if (reader.take('[')) {
      reader.skipSpace();
      if (reader.take('*')) {
        steps.push({ type: 'all' });
      } else if (reader.peek() === "'" || reader.peek() === '"') {
        const key = readLiteral(reader);
        steps.push({ type: 'key', key: String(key) });
      } else if (/[0-9]/.test(reader.peek())) {
        const index = /^[0-9]+/.exec(reader.text.slice(reader.position))?.[0] ?? '';
        reader.position += index.length;
        steps.push({ type: 'key', key: index });
      } else if (!inFilter && reader.take('?(')) {
        reader.skipSpace();
        if (!reader.take('@')) reader.fail('a filter must start with "@" (e.g. [?(@.type == \'Ready\')])');
        const path = readSteps(reader, true);
        reader.skipSpace();
        if (reader.take(')')) {
          steps.push({ type: 'filter', path });
        } else {
          const operator = readOperator(reader);
          reader.skipSpace();
          const literal = readLiteral(reader);
          reader.skipSpace();
          if (!reader.take(')')) reader.fail('expected ")" to close the filter');
          steps.push({ type: 'filter', path, operator, literal });
        }
      } else {
        reader.fail('expected a quoted name, an index, * or a filter ?(...) inside "[...]"');
      }
      reader.skipSpace();
      if (!reader.take(']')) reader.fail('expected "]"');
    } else {
      return steps;
    }
  }
}

function readOperator(reader: Reader): Operator {
  for (const operator of ['==', '!=', '<=', '>=', '<', '>'] as const) if (reader.take(operator)) return operator;
  if (reader.peek() === '=') reader.fail('use "==" to compare, not "="');
  return reader.fail('expected a comparison (== != < <= > >=)');
}

function readLiteral(reader: Reader): Literal {
  const quote = reader.peek();
  if (quote === "'" || quote === '"') {
    reader.position += 1;
    let text = '';
    while (!reader.done()) {
      const char = reader.peek();
      reader.position += 1;
      if (char === '\\') {
        text += reader.peek();
        reader.position += 1;
      } else if (char === quote) {
        return text;
      } else {
        text += char;
      }
    }
    return reader.fail(`the text is not closed with ${quote}`);
  }
  const word = /^(-?[0-9]+(\.[0-9]+)?|true|false|null)(?![A-Za-z0-9_])/.exec(reader.text.slice(reader.position))?.[0];
  if (!word) reader.fail("expected a literal: 'text', a number, true, false or null");
  reader.position += word.length;
  if (word === 'true') return true;
  if (word === 'false') return false;
  if (word === 'null') return null;
  return Number(word);
}

function walk(start: unknown[], steps: readonly Step[]): unknown[] {
  let current = start;
  for (const step of steps) {
    const next: unknown[] = [];
    for (const value of current) {
      if (value === null || typeof value !== 'object') continue;
      if (step.type === 'key') {
        if (Object.hasOwn(value, step.key)) next.push((value as Record<string, unknown>)[step.key]);
      } else {
        const children = Array.isArray(value) ? value : Object.values(value);
        if (step.type === 'all') next.push(...children);
        else {
          next.push(
            ...children.filter((child) =>
              walk([child], step.path).some((found) => compare(found, step.operator, step.literal)),
            ),
          );
        }
      }
    }
    current = next;
  }
  return current;
}

function compare(value: unknown, operator: Operator | undefined, literal: Literal | undefined): boolean {
  if (!operator) return value !== undefined && value !== null && value !== false;
  if (value === undefined) return false;
  switch (operator) {
    case '==':
      return value === literal;
    case '!=':
      return value !== literal;
    default: {
      // ordering compares numbers with numbers and text with text only
      if (typeof value !== typeof literal || (typeof value !== 'number' && typeof value !== 'string')) return false;
      const [a, b] = [value as number | string, literal as number | string];
      return operator === '<' ? a < b : operator === '<=' ? a <= b : operator === '>' ? a > b : a >= b;
    }
  }
}
