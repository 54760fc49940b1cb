/** Where progress lines go: stderr, so Jest shows them live and they never mix with a command's stdout. */
export type ProgressSink = (line: string) => void;

export const stderrProgress: ProgressSink = (line) => {
  process.stderr.write(`[chart-testware] ${line}\n`);
};

export const silentProgress: ProgressSink = () => {};

/** Calls `describe()` every `intervalMs` and prints its line; stop with the returned disposable. */
export function everyFewSeconds(sink: ProgressSink, intervalMs: number, describe: () => string): Disposable {
  const started = performance.now();
  const timer = setInterval(() => {
    sink(`${Math.round((performance.now() - started) / 1000)}s: ${describe()}`);
  }, intervalMs);
  timer.unref();
  return { [Symbol.dispose]: () => clearInterval(timer) };
}
