import { inspect } from 'node:util';
import type { Circus } from '@jest/types';
import { redactText } from '../record/secret-redaction.ts';

/**
 * Test failures leave the worker as Jest formats them (console, --json results, the JUnit report): each error of
 * `node` (a test, or every test under a describe block) and each unhandled error is replaced, in place, by a plain
 * Error with a redacted message, stack and cause. Only those survive: an assertion's `matcherResult` (the actual
 * value, maybe a secret) and an error's own fields would otherwise reach the --json results as they are.
 * `sandboxGlobal` holds the secrets the test code has seen.
 */
export function redactTestErrors(
  node: Circus.TestEntry | Circus.DescribeBlock,
  sandboxGlobal: object,
  unhandled?: unknown[],
): void {
  if (node.type === 'test') {
    node.errors = node.errors.map((entry) =>
      Array.isArray(entry)
        ? [redactedError(entry[0], sandboxGlobal), redactedError(entry[1], sandboxGlobal)]
        : redactedError(entry, sandboxGlobal),
    ) as typeof node.errors;
  } else {
    for (const child of node.children) redactTestErrors(child, sandboxGlobal);
  }
  if (unhandled) unhandled.splice(0, unhandled.length, ...unhandled.map((e) => redactedError(e, sandboxGlobal)));
}

const redactedMark = Symbol.for('chart-testware.redacted-error');

function redactedError(error: unknown, sandboxGlobal: object, depth = 0): Error {
  if (error instanceof Error && (error as { [redactedMark]?: boolean })[redactedMark]) return error;
  const isError = error !== null && typeof error === 'object' && ('stack' in error || 'message' in error);
  const source = isError ? (error as Error) : undefined;
  const message = redactText(
    source ? String(source.message ?? '') : `thrown: ${inspect(error, { depth: 3 })}`,
    sandboxGlobal,
  );
  const cause =
    source?.cause !== undefined && depth < 5 ? redactedError(source.cause, sandboxGlobal, depth + 1) : undefined;
  const copy = new Error(message, cause ? { cause } : undefined);
  copy.name = source?.name ?? 'Error';
  copy.stack = typeof source?.stack === 'string' ? redactText(source.stack, sandboxGlobal) : `${copy.name}: ${message}`;
  Object.defineProperty(copy, redactedMark, { value: true });
  // chart-testware's own marks on an error (e.g. the diagnostics folder a failed install saved) are paths, not
  // secrets: the copy keeps them, so a test failing through it still links its diagnostics
  for (const mark of source ? Object.getOwnPropertySymbols(source) : []) {
    if (mark.description?.startsWith('chart-testware.') && mark !== redactedMark) {
      Object.defineProperty(copy, mark, { value: (source as unknown as Record<symbol, unknown>)[mark] });
    }
  }
  return copy;
}

/** Console output of the test code (Jest's buffered or verbose console), redacted before Jest prints it. */
export function redactConsole(console: unknown, sandboxGlobal: object): void {
  const target = console as Record<string, unknown>;
  for (const method of ['_log', '_logError']) {
    const original = target[method];
    if (typeof original !== 'function') continue;
    target[method] = function (this: unknown, type: string, message: string) {
      return (original as (type: string, message: string) => unknown).call(
        this,
        type,
        redactText(message, sandboxGlobal),
      );
    };
  }
}
