import { expect, test } from '@jest/globals';
import { mark } from '../../testsupport/index.ts';
import { giveUp, WaitTimeoutError, waitUntil } from '../../testsupport/kube/wait-until.ts';

mark('no_deploy').describe('waitUntil', () => {
  test('returns the first truthy value of the check', async () => {
    let calls = 0;
    const value = await waitUntil(() => (++calls >= 3 ? { calls } : undefined), { timeout: 5_000, interval: 20 });
    expect(value).toEqual({ calls: 3 });
  });

  test.each([
    [600, 100],
    [1_000, 300],
    [450, 200],
  ])('gives up within one interval of a %i ms timeout (interval %i ms)', async (timeout, interval) => {
    let checks = 0;
    const started = performance.now();
    const error = await waitUntil(
      () => {
        checks++;
        return false;
      },
      { timeout, interval, description: 'never' },
    ).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toContain('waiting for never');
    expect(elapsed).toBeGreaterThanOrEqual(timeout - 5);
    // no check starts after the deadline: at most one per interval, plus the first at once
    expect(checks).toBeLessThanOrEqual(Math.floor(timeout / interval) + 1);
    // a wait that slept one more interval past the deadline would take timeout + interval; a busy CI machine's
    // timers fire late by up to a second or two, so the wall-clock bound only catches a wait that does not stop
    expect(elapsed).toBeLessThan(timeout + interval + 2_500);
  });

  test('abandons a check that is still running at the deadline', async () => {
    const started = performance.now();
    const error = await waitUntil(() => new Promise((resolve) => setTimeout(resolve, 60_000).unref()), {
      timeout: 300,
      interval: 50,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toContain('still running at the deadline');
    // the check alone would take 60 s; the bound leaves room for a loaded CI machine
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  test('reports the last error of a check that keeps throwing', async () => {
    const error = await waitUntil(
      () => {
        throw new Error('connection refused');
      },
      { timeout: 200, interval: 50 },
    ).catch((e: unknown) => e);
    expect((error as Error).message).toContain('last check failed: connection refused');
  });

  test('stops at once on giveUp()', async () => {
    const started = performance.now();
    const error = await waitUntil(() => giveUp(new Error('the image does not exist')), {
      timeout: 60_000,
      interval: 100,
    }).catch((e: unknown) => e);
    // the reason is the giveUp's, not a timeout's; the bound only catches a wait that went on
    expect((error as Error).message).toBe('the image does not exist');
    expect(performance.now() - started).toBeLessThan(20_000); // not the 60 s timeout
  });

  test('stops when the signal aborts, with its reason', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('test over')), 150);
    const started = performance.now();
    const error = await waitUntil(() => false, { timeout: 60_000, interval: 40, signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toBe('test over');
    expect(performance.now() - started).toBeLessThan(20_000); // not the 60 s timeout
  });
});
