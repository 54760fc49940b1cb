import { currentTest, onTestFailure } from '../context/test-context.ts';
import { currentScope, record } from '../record/recorder.ts';
import { type DiagnosticsFiles, writeDiagnostics } from './diagnostics.ts';

const diagnosticsKey = Symbol.for('chart-testware.diagnosticsDir');

/**
 * Saves diagnostics of a failed install or wait under the artifacts folder of whatever runs it: the test, or the
 * beforeAll/afterAll hook (a fixture). The folder is attached to the error, so that every test that fails because
 * of it (all tests under a failed beforeAll) links to it in JUnit and the report. Never throws.
 */
export async function saveFailureDiagnostics(
  error: unknown,
  collect: (dir: string) => Promise<unknown>,
): Promise<string | undefined> {
  const scope = currentScope();
  if (!scope) return undefined;
  const dir = scope.artifactsDir;
  try {
    await collect(dir);
  } catch (collectError) {
    process.stderr.write(`[chart-testware] diagnostics into ${dir} failed: ${(collectError as Error).message}\n`);
    return undefined;
  }
  if (error !== null && typeof error === 'object') {
    Object.defineProperty(error, diagnosticsKey, { value: dir, enumerable: false, configurable: true });
  }
  record({ kind: 'diagnostics', lane: 'test', label: 'diagnostics saved', detail: dir });
  return dir;
}

/** The diagnostics folder saveFailureDiagnostics attached to this error, if any. */
export function diagnosticsDirOf(error: unknown): string | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const dir = (error as Record<symbol, unknown>)[diagnosticsKey];
  return typeof dir === 'string' ? dir : undefined;
}

/** Snapshot hooks of removed things, by the test that removed them (see FailureDiagnostics.snapshotBeforeRemoval). */
const pendingSnapshots = new Map<string, Disposable[]>();

/**
 * The failure diagnostics of something a test deployed (a release, an echo server): while it lives, a failing test
 * gets them in its artifacts directory; a failed install or wait saves them for whatever runs it; and removing it
 * inside a test first takes a snapshot, written if that test turns out to have failed.
 */
export class FailureDiagnostics implements Disposable {
  readonly #gather: () => Promise<DiagnosticsFiles>;
  #hook: Disposable;
  #saved = false;

  /** `gather` reads the diagnostics (redacted) in memory; `label` names the thing in an error message. */
  constructor(label: string, gather: () => Promise<DiagnosticsFiles>) {
    this.#gather = gather;
    this.#hook = onTestFailure(async (test) => {
      await this.collect(test.artifactsDir).catch((error: unknown) => {
        process.stderr.write(`[chart-testware] diagnostics of ${label} failed: ${(error as Error).message}\n`);
      });
    });
  }

  /** Gathers the diagnostics and writes them into `dir`; returns `dir`. */
  async collect(dir: string): Promise<string> {
    await writeDiagnostics(await this.#gather(), dir);
    return dir;
  }

  /** Saves them for `error` (see saveFailureDiagnostics); the thing's own failure hook ends. */
  async saveFor(error: unknown): Promise<void> {
    this.#saved = true;
    this[Symbol.dispose]();
    await saveFailureDiagnostics(error, (dir) => this.collect(dir));
  }

  /**
   * `await using` removes the thing when the test function ends, before Jest knows whether the test failed. So a
   * removal inside a test first gathers the diagnostics (in memory) and writes them if that test turns out to have
   * failed. Ends the failure hook.
   */
  async snapshotBeforeRemoval(): Promise<void> {
    this[Symbol.dispose]();
    const test = currentTest();
    if (!test || this.#saved) return;
    const key = `${test.testPath}\u0000${test.fullName}`;
    for (const [other, hooks] of pendingSnapshots) {
      if (other === key) continue;
      for (const hook of hooks) hook[Symbol.dispose]();
      pendingSnapshots.delete(other);
    }
    const files = await this.#gather().catch(() => undefined);
    if (!files) return;
    const hook = onTestFailure(async (failed) => {
      hook[Symbol.dispose]();
      if (failed.testPath === test.testPath && failed.fullName === test.fullName) {
        await writeDiagnostics(files, failed.artifactsDir);
      }
    });
    pendingSnapshots.set(key, [...(pendingSnapshots.get(key) ?? []), hook]);
  }

  [Symbol.dispose](): void {
    this.#hook[Symbol.dispose]();
  }
}
