import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { ChartDeployment } from '../../testsupport/cluster/chart-deployment.ts';
import { ChartNotReadyError } from '../../testsupport/cluster/chart-not-ready-error.ts';
import { currentTest, mark } from '../../testsupport/index.ts';
import { WaitTimeoutError } from '../../testsupport/kube/wait-until.ts';
import { busyboxValues, fixtureChart } from './fixtures.ts';

/**
 * Installs a chart that must fail and returns the error with how long it took. Anything but the expected kind of
 * error is rethrown, so a failure shows what actually happened rather than a bare type mismatch.
 */
async function installFailure(
  chart: string,
  values: Record<string, unknown>,
  timeout = 120_000,
  expected: new (...args: never[]) => Error = ChartNotReadyError,
) {
  const started = performance.now();
  try {
    const app = await ChartDeployment.install(fixtureChart(chart), { values, timeout });
    await app.uninstall();
  } catch (error) {
    if (!(error instanceof expected)) throw error;
    const seconds = (performance.now() - started) / 1000;
    // the figure the bounds below are checked against (headroom under load)
    process.stderr.write(`[fail-fast] ${chart}: ${error.constructor.name} after ${seconds.toFixed(1)} s\n`);
    return { error, seconds };
  }
  throw new Error(`${chart} became ready, which it never should`);
}

mark('chart_deploy').describe('fail fast', () => {
  test('an image that cannot be pulled fails in under 15 s naming the image and the reason', async () => {
    const { error, seconds } = await installFailure('unpullable-image', await busyboxValues());
    expect(error).toBeInstanceOf(ChartNotReadyError);
    expect((error as ChartNotReadyError).reason).toMatch(/^(ErrImagePull|ImagePullBackOff)$/);
    expect(error.message).toContain('chart-testware.local/no-such-image:0.0.0-missing');
    expect(error.message).toMatch(/Deployment \S+ cannot become ready: (ErrImagePull|ImagePullBackOff)/);
    expect(error.message).toContain('container "app"');
    expect(seconds).toBeLessThan(15);
    // diagnostics of the failed install went to the test's artifacts directory
    const dir = currentTest()?.artifactsDir ?? 'no test context (run through the runner)';
    expect(existsSync(path.join(dir, 'events.txt'))).toBe(true);
    expect(readFileSync(path.join(dir, 'events.txt'), 'utf8')).toMatch(/Failed|BackOff/);
  }, 60_000);

  test('a container that exits at once fails with CrashLoopBackOff, its exit code and how to read its log', async () => {
    const { error, seconds } = await installFailure('crash-loop', await busyboxValues());
    expect(error).toBeInstanceOf(ChartNotReadyError);
    expect((error as ChartNotReadyError).reason).toBe('CrashLoopBackOff');
    expect(error.message).toContain('container "quitter"');
    expect(error.message).toContain('last exit code 3');
    expect(error.message).toMatch(/kubectl logs -n \S+ \S+ -c quitter --previous/);
    expect(seconds).toBeLessThan(40);
    const dir = currentTest()?.artifactsDir ?? 'no test context (run through the runner)';
    const log = readFileSync(path.join(dir, 'not-ready.yaml'), 'utf8');
    expect(log).toContain('CrashLoopBackOff');
    const previousLogs = readdirSync(path.join(dir, 'logs'))
      .map((pod) => path.join(dir, 'logs', pod, 'quitter.previous.log'))
      .filter((file) => existsSync(file))
      .map((file) => readFileSync(file, 'utf8'));
    expect(previousLogs).toContain('giving up at once\n');
  }, 90_000);

  test("a client that crashes until the release's db answers is start order, not a verdict: the install turns ready", async () => {
    const lines: string[] = [];
    await using app = await ChartDeployment.install(fixtureChart('starts-after-db'), {
      values: await busyboxValues(),
      timeout: 300_000,
      progress: (line) => lines.push(line),
    });
    const client = await app.pod(`${app.releaseName}-client`);
    const status = client.status?.containerStatuses?.[0];
    // it crashed and was in the kubelet's back-off (CrashLoopBackOff shows from the second crash on) ...
    expect({ restarts: status?.restartCount, ready: status?.ready }).toEqual({
      restarts: expect.any(Number),
      ready: true,
    });
    expect(status?.restartCount).toBeGreaterThanOrEqual(2);
    expect(await app.logs(client.metadata!.name!, { previous: true })).toContain('db not answering yet');
    // ... and the wait said so, as a reason it went past rather than one that ended it
    expect(lines.join('\n')).toMatch(
      /ready after \d+ ms, past \d+ reason\(s\) that were not final: .*CrashLoopBackOff/,
    );
  }, 360_000);

  test('a Job that fails fails with BackoffLimitExceeded', async () => {
    const { error, seconds } = await installFailure('job-fails', await busyboxValues());
    expect(error).toBeInstanceOf(ChartNotReadyError);
    expect((error as ChartNotReadyError).reason).toBe('BackoffLimitExceeded');
    expect(error.message).toMatch(/^Job \S+ cannot become ready/);
    expect(seconds).toBeLessThan(30);
  }, 60_000);

  test('a claim nothing can bind fails naming the claim and its class', async () => {
    const { error, seconds } = await installFailure('pvc-pending', await busyboxValues());
    expect(error).toBeInstanceOf(ChartNotReadyError);
    expect((error as ChartNotReadyError).reason).toBe('ClaimCannotBind');
    expect(error.message).toContain('PersistentVolumeClaim');
    expect(error.message).toContain('chart-testware-no-such-class');
    expect(seconds).toBeLessThan(20);
  }, 60_000);

  test('a missing Secret fails with CreateContainerConfigError', async () => {
    const { error, seconds } = await installFailure('config-error', await busyboxValues());
    expect(error).toBeInstanceOf(ChartNotReadyError);
    expect((error as ChartNotReadyError).reason).toBe('CreateContainerConfigError');
    expect(error.message).toContain('-missing');
    expect(seconds).toBeLessThan(20);
  }, 60_000);

  test("a pod no node fits fails with Unschedulable and the scheduler's message", async () => {
    const { error, seconds } = await installFailure(
      'slow-ready',
      await busyboxValues({ nodeSelector: { 'chart-testware.io/no-such-node': 'true' } }),
    );
    expect(error).toBeInstanceOf(ChartNotReadyError);
    expect((error as ChartNotReadyError).reason).toBe('Unschedulable');
    expect(error.message).toMatch(/node\(s\) didn't match Pod's node affinity\/selector/);
    expect(seconds).toBeLessThan(15);
  }, 60_000);

  test('a volume that cannot be mounted fails with FailedMount naming what is missing', async () => {
    const { error, seconds } = await installFailure('failed-mount', await busyboxValues());
    expect(error).toBeInstanceOf(ChartNotReadyError);
    expect((error as ChartNotReadyError).reason).toBe('FailedMount');
    expect(error.message).toContain('-no-such-config');
    expect(seconds).toBeLessThan(20);
  }, 60_000);

  test('a pod that never turns ready times out on time, saying what it waits for', async () => {
    const { error, seconds } = await installFailure('never-ready', await busyboxValues(), 8_000, WaitTimeoutError);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    // what it waits for: the pod, its phase and its container's state (a loaded machine may still be creating it)
    expect(error.message).toMatch(
      /not ready:\n\s+- Pod \S+: phase (Running \(\S+\/app: running, not ready\)|Pending \(\S+\/app: ContainerCreating\))/,
    );
    // helm install itself takes a moment; the wait honours its 8 s; then the failure's diagnostics are gathered
    // (seconds on a loaded machine). A wait that went on would run into the test's 60 s.
    expect(seconds).toBeGreaterThan(8);
    expect(seconds).toBeLessThan(8 + 20);
  }, 60_000);
});
