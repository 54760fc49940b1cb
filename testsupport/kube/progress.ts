/** Where progress lines go: stderr, so Jest shows them live and they never mix with a command's stdout. */
export type ProgressSink = (line: string) => void;

export const stderrProgress: ProgressSink = (line) => {
  process.stderr.write(`[chart-testware] ${line}\n`);
};

export const silentProgress: ProgressSink = () => {};

/**
 * Calls `describe()` every `intervalMs` and prints its line (none when it returns undefined); stop with the
 * returned disposable.
 */
export function everyFewSeconds(
  sink: ProgressSink,
  intervalMs: number,
  describe: () => string | undefined,
): Disposable {
  const started = performance.now();
  const timer = setInterval(() => {
    const line = describe();
    if (line !== undefined) sink(`${Math.round((performance.now() - started) / 1000)}s: ${line}`);
  }, intervalMs);
  timer.unref();
  return { [Symbol.dispose]: () => clearInterval(timer) };
}
