// `await expect(deployment).toRecoverWithin(60_000, { probe })`: after a fault, the release becomes ready again
// (every object, as ChartDeployment.waitReady judges it) and the probe passes, within the time. Registered with the
// other matchers (matchers.ts imports this file).
import { expect } from '@jest/globals';
import type { MatcherContext } from 'expect';
import type { ReadyOptions } from '../cluster/chart-deployment.ts';
import { record } from '../record/recorder.ts';

export interface RecoveryOptions {
  /**
   * Checked once the release is ready again, and retried until the deadline: recovered when it resolves (to
   * anything but `false`). E.g. `() => tango.exec('tangotest', ['tango_admin', '--ping-device', 'sys/tg_test/1'])
   * .then((r) => r.exitCode === 0)`.
   */
  readonly probe?: () => Promise<unknown>;
  /** Milliseconds between attempts (default 1000). */
  readonly interval?: number;
}

declare module 'expect' {
  interface Matchers<R extends void | Promise<void>, T = unknown> {
    /**
     * A ChartDeployment whose objects are all ready again (and whose `probe` passes) within `timeoutMs`. Not-ready
     * reasons that fail a normal wait at once (a crash loop while a dependency is down) are retried until then.
     */
    toRecoverWithin(timeoutMs: number, options?: RecoveryOptions): Promise<R>;
  }
}

interface Recoverable {
  readonly releaseName: string;
  readonly namespace: string;
  waitReady(options?: ReadyOptions): Promise<unknown>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function toRecoverWithin(
  this: MatcherContext,
  received: unknown,
  timeoutMs: number,
  options: RecoveryOptions = {},
): Promise<{ pass: boolean; message: () => string }> {
  if (typeof (received as Recoverable | null)?.waitReady !== 'function') {
    throw new TypeError(`toRecoverWithin: expected a ChartDeployment, received ${String(received)}`);
  }
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError(`toRecoverWithin: timeoutMs ${String(timeoutMs)} is not a positive number of milliseconds`);
  }
  const release = received as Recoverable;
  const subject = `release ${release.releaseName} in ${release.namespace}`;
  const started = performance.now();
  const deadline = started + timeoutMs;
  const interval = options.interval ?? 1000;
  let why = 'no attempt finished';
  let attempts = 0;
  while (performance.now() < deadline) {
    attempts += 1;
    const remaining = Math.max(1, Math.ceil(deadline - performance.now())); // AbortSignal.timeout takes integers
    try {
      await release.waitReady({ timeout: remaining });
    } catch (error) {
      if (error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError) throw error;
      // an attempt cut short by the deadline says less than the one before it
      if (why === 'no attempt finished' || deadline - performance.now() > 50)
        why = `not ready: ${(error as Error).message}`;
      await sleep(Math.min(interval, Math.max(0, deadline - performance.now())));
      continue;
    }
    if (!options.probe) return recovered(this, release, timeoutMs, started);
    try {
      if ((await options.probe()) !== false) return recovered(this, release, timeoutMs, started);
      why = 'ready, but the probe returned false';
    } catch (error) {
      why = `ready, but the probe failed: ${(error as Error).message}`;
    }
    await sleep(Math.min(interval, Math.max(0, deadline - performance.now())));
  }
  record({
    kind: 'step',
    lane: `release ${release.releaseName}`,
    label: `not recovered within ${timeoutMs} ms`,
    outcome: 'failed',
    detail: why,
  });
  return {
    pass: false,
    message: () =>
      `expected ${subject} to recover within ${timeoutMs} ms, but after ${attempts} attempt(s) it had not; last: ${why}`,
  };
}

function recovered(context: MatcherContext, release: Recoverable, timeoutMs: number, started: number) {
  const took = Math.round(performance.now() - started);
  const subject = `release ${release.releaseName} in ${release.namespace}`;
  record({ kind: 'step', lane: `release ${release.releaseName}`, label: `recovered in ${took} ms`, outcome: 'ok' });
  return {
    pass: true,
    message: () =>
      `expected ${subject} ${context.isNot ? 'not ' : ''}to recover within ${timeoutMs} ms, but it was ready again after ${took} ms`,
  };
}

expect.extend({ toRecoverWithin });
