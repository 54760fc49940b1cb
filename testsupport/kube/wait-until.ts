import pRetry, { AbortError } from 'p-retry';
import { defaults } from '../config/defaults.ts';
import { ChartTestwareError } from '../errors.ts';

/** A wait ran out of time; the message says what was awaited and what was last seen. */
export class WaitTimeoutError extends ChartTestwareError {}

export interface WaitOptions {
  /** Milliseconds; default defaults.readyTimeoutMs. */
  readonly timeout?: number;
  readonly signal?: AbortSignal | undefined;
}

export interface WaitUntilOptions extends WaitOptions {
  /** Milliseconds between checks; default defaults.pollIntervalMs. */
  readonly interval?: number;
  /** What is awaited, for the timeout message ("pod web-0 to answer on :8080"). */
  readonly description?: string;
}

/** Thrown from a waitUntil check: stop at once and reject with `error` (no more retries). */
export function giveUp(error: Error | string): never {
  throw new AbortError(error);
}

/**
 * Calls `check` until it returns a truthy value (returned) or the timeout passes. A check that throws is retried
 * (its last error is reported at the timeout) unless it threw through giveUp(). The timeout is honoured to within
 * one interval: no check starts after the deadline, and a check still running at the deadline is abandoned.
 */
export async function waitUntil<T>(
  check: (attempt: number) => T | Promise<T>,
  options: WaitUntilOptions = {},
): Promise<NonNullable<T>> {
  const timeout = options.timeout ?? defaults.readyTimeoutMs;
  const interval = Math.max(1, options.interval ?? defaults.pollIntervalMs);
  const description = options.description ?? 'the condition';
  const started = performance.now();
  const deadline = AbortSignal.timeout(timeout);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  let lastValue: unknown;
  let lastError: unknown;
  let attempts = 0;
  let running = false;
  const notYet = new Error('not yet');

  const attempt = async (attemptNumber: number): Promise<NonNullable<T>> => {
    attempts = attemptNumber;
    running = true;
    const result = await raceAbort(
      Promise.resolve().then(() => check(attemptNumber)),
      signal,
    );
    running = false;
    if (result) return result as NonNullable<T>;
    lastValue = result;
    lastError = undefined;
    throw notYet;
  };

  try {
    return await pRetry(attempt, {
      retries: Number.POSITIVE_INFINITY,
      factor: 1,
      minTimeout: interval,
      maxTimeout: interval,
      signal,
      onFailedAttempt: ({ error }) => {
        running = false;
        if (error !== notYet) lastError = error;
      },
    });
  } catch (error) {
    if (options.signal?.aborted && !deadline.aborted) throw options.signal.reason ?? error;
    // anything but the deadline (a giveUp error) is the caller's to see
    if (!deadline.aborted) throw error;
    const elapsed = Math.round(performance.now() - started);
    const last = running
      ? 'the last check was still running at the deadline'
      : lastError !== undefined
        ? `last check failed: ${(lastError as Error)?.message ?? String(lastError)}`
        : `last check returned ${JSON.stringify(lastValue) ?? String(lastValue)}`;
    throw new WaitTimeoutError(
      `timed out after ${elapsed} ms (timeout ${timeout} ms, ${attempts} checks) waiting for ${description}; ${last}`,
      { hint: 'raise the timeout if the system is just slow, or look at what the last check saw', cause: lastError },
    );
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
