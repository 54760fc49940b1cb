import { ChartTestwareError } from '../errors.ts';

/** A JSONPath expression that cannot mean what was written (jsonpath-plus would quietly match something else). */
export class JsonPathError extends ChartTestwareError {}

/** Checks the shape of a JSONPath expression before it is evaluated: starts at `$`, brackets and quotes closed. */
export function checkJsonPath(expression: unknown): void {
  const fail = (
    problem: string,
    hint = 'write JSONPath as jsonpath-plus takes it, e.g. "$.spec.template.spec.containers[*].image"',
  ) => {
    throw new JsonPathError(`JSONPath ${JSON.stringify(expression)} ${problem}`, { hint });
  };
  if (typeof expression !== 'string') fail(`is a ${typeof expression}, not a JSONPath string`);
  if ((expression as string).trim() === '') fail('is empty');
  const text = (expression as string).trim();
  if (!text.startsWith('$')) {
    const kubectl = /^\{(.*)\}$/.exec(text)?.[1] ?? text;
    fail(
      'does not start at the root "$"',
      `write it from the root: "$${kubectl.startsWith('.') || kubectl.startsWith('[') ? '' : '.'}${kubectl}" (kubectl's {.a.b} is $.a.b here)`,
    );
  }
  const open: string[] = [];
  let quote: string | undefined;
  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string;
    if (quote) {
      if (char === '\\') index++;
      else if (char === quote) quote = undefined;
      continue;
    }
    if (char === '"' || char === "'") quote = char;
    else if (char === '[' || char === '(') open.push(char);
    else if (char === ']' || char === ')') {
      const expected = char === ']' ? '[' : '(';
      if (open.pop() !== expected) fail(`has a "${char}" at character ${index + 1} that closes nothing`);
      if (char === ']' && text[index - 1] === '[') fail(`has empty brackets "[]" at character ${index}`);
    }
  }
  if (quote) fail(`has an unclosed ${quote} quote`);
  if (open.length > 0) fail(`has an unclosed "${open[open.length - 1]}"`);
  if (/(\.|\.\.)$/.test(text) && text !== '$') fail('ends with "." where a name or [*] should follow');
}
