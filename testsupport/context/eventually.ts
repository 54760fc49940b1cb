import { ChartTestwareError } from '../errors.ts';

/** An assertion kept failing until the deadline; the message is that of its last failure. */
export class EventuallyTimeoutError extends ChartTestwareError {}

export interface EventuallyOptions {
  /** Milliseconds; default 30 s. */
  readonly timeout?: number;
  /** Milliseconds between attempts; default 500. */
  readonly interval?: number;
  readonly signal?: AbortSignal;
}

/**
 * Retries `assertion` (which throws when it fails, e.g. an `expect`) until it passes, and returns its value.
 * At the deadline it throws with the last failure's message, so the report reads like the plain assertion:
 * `await eventually(async () => expect(await host.socket('tcp://3306')).toBeListening(), { timeout: 60_000 })`.
 */
export async function eventually<T>(assertion: () => T | Promise<T>, options: EventuallyOptions = {}): Promise<T> {
  const timeout = options.timeout ?? 30_000;
  const interval = options.interval ?? 500;
  const started = performance.now();
  let attempts = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    attempts += 1;
    try {
      return await assertion();
    } catch (error) {
      const elapsed = performance.now() - started;
      if (elapsed + interval > timeout) {
        const message = (error as Error)?.message ?? String(error);
        throw new EventuallyTimeoutError(
          `${message}\n\n(eventually: still failing after ${attempts} attempts in ${Math.round(elapsed)} ms; timeout ${timeout} ms)`,
          {
            cause: error,
          },
        );
      }
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, interval);
      options.signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(options.signal?.reason);
        },
        { once: true },
      );
    });
  }
}
