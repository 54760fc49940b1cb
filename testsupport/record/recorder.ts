import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type TestInfo, testContextSlot } from '../context/test-context.ts';
import type { RunEvent, ScopeHeader } from './run-event.ts';
import { SecretRedactor, secretsIn } from './secret-redaction.ts';

/**
 * Remembers the secret values in helm values (under secret-looking keys), so that events blank them wherever they
 * show up (an exec's command line, an event message). In memory only, for the rest of the test file.
 */
export function learnSecrets(values: unknown): void {
  const slot = testContextSlot();
  slot.knownSecrets ??= new Set();
  for (const secret of secretsIn(values)) slot.knownSecrets.add(secret);
}

/**
 * The scope events go to: the running test, else the beforeAll/afterAll hook under way, else none (outside Jest,
 * or a CLI): then nothing is recorded.
 */
export function currentScope(): TestInfo | undefined {
  const slot = testContextSlot();
  return slot.currentTest ?? slot.currentHook;
}

/**
 * Appends one event to the current test's events file (JSON lines under <reports>/events/), redacted. Never throws:
 * a report must not fail a test.
 */
export function record(event: Omit<RunEvent, 'at'> & { at?: number }): void {
  const scope = currentScope();
  if (scope) recordIn(scope, event);
}

/** record() into a given scope (the marker environment, which runs outside the test's sandbox, uses this). */
export function recordIn(
  scope: TestInfo,
  event: Omit<RunEvent, 'at'> & { at?: number },
  secrets: Iterable<string> = testContextSlot().knownSecrets ?? [],
): void {
  if (!scope.eventsFile) return;
  try {
    if (!existsSync(scope.eventsFile)) {
      mkdirSync(path.dirname(scope.eventsFile), { recursive: true });
      const header: ScopeHeader = {
        testPath: scope.testPath,
        fullName: scope.fullName,
        ...(scope.hook ? { hook: scope.hook, describePath: scope.describePath ?? '' } : {}),
      };
      appendFileSync(scope.eventsFile, `${JSON.stringify(header)}\n`);
    }
    const line = JSON.stringify({ at: Date.now(), ...event });
    const redactor = new SecretRedactor(secrets);
    appendFileSync(scope.eventsFile, `${redactor.text(line)}\n`);
  } catch {
    // a full disk or a removed reports folder: the test goes on without its timeline
  }
}

/**
 * Labels a phase of a test on its timeline: `step('write the attribute')`. With a function, the step is a bar
 * from its start to its end (and the function's result is returned).
 */
export function step(label: string): void;
export function step<T>(label: string, fn: () => Promise<T>): Promise<T>;
export function step<T>(label: string, fn?: () => Promise<T>): undefined | Promise<T> {
  if (!fn) {
    record({ kind: 'step', lane: 'test', label });
    return undefined;
  }
  const at = Date.now();
  return fn().then(
    (value) => {
      record({ at, kind: 'step', lane: 'test', label, durationMs: Date.now() - at, outcome: 'ok' });
      return value;
    },
    (error: unknown) => {
      record({ at, kind: 'step', lane: 'test', label, durationMs: Date.now() - at, outcome: 'failed' });
      throw error;
    },
  );
}

/** A check or connection on the timeline: a bar from `since` to now (EchoServer lines, port-forwards, smoke checks). */
export function recordSince(
  since: number,
  event: Omit<RunEvent, 'at' | 'durationMs'> & { readonly outcome: NonNullable<RunEvent['outcome']> },
): void {
  record({ ...event, at: since, durationMs: Date.now() - since });
}
