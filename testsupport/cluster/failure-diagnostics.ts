import { currentScope, record } from '../record/recorder.ts';

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
