// charts/tango-base on a real cluster: install, every pod Ready, `helm test`, TangoTest answering a ping from
// another pod, DataBaseds surviving a MariaDB restart (its liveness probe), then uninstall and namespace deletion.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import { mark } from '../../testsupport/index.ts';
import { TangoBaseRelease } from './tango-base-release.ts';

const chartDir = path.resolve(import.meta.dirname, '..', '..', 'charts', 'tango-base');
const device = 'sys/tg_test/1';

mark('chart_deploy').describe('charts/tango-base deployed to the cluster', () => {
  const namespace = `ct-tango-base-${randomBytes(3).toString('hex')}`;
  const release = `tb${randomBytes(2).toString('hex')}`;
  let stack: TangoBaseRelease;
  let installedAt = 0;
  let clientAnswer: { pod: V1Pod; log: string; observedMs: number };

  beforeAll(async () => {
    stack = await TangoBaseRelease.create({ chartDir, namespace, release });
    installedAt = Date.now();
    await stack.install({ itango: { enabled: true } });
    // Started at once: it retries the ping until TangoTest answers, which measures apply-to-answering.
    clientAnswer = await stack.runClientPod(
      'ping-client',
      [
        'until tango_admin --ping-device "$DEVICE" >/dev/null 2>&1; do sleep 0.2; done',
        'echo "answered-at-ms=$(date +%s%3N)"',
        'tango_admin --ping-device sys/no_such/device; echo "missing-device-exit=$?"',
      ].join('\n'),
      { DEVICE: device },
      { timeoutMs: 240_000 },
    );
    const inPod = Number(/answered-at-ms=(\d+)/.exec(clientAnswer.log)?.[1]);
    console.log(
      `tango-base: TangoTest answered from another pod ${((inPod - installedAt) / 1000).toFixed(1)} s after helm ` +
        `install started (in-pod clock; ${((clientAnswer.observedMs - installedAt) / 1000).toFixed(1)} s as observed)`,
    );
    await stack.waitReleaseReady({ timeoutMs: 120_000 });
    await stack.waitAllReady({ timeoutMs: 30_000 });
    console.log(`tango-base: every pod Ready ${((Date.now() - installedAt) / 1000).toFixed(1)} s after install`);
  }, 420_000);

  afterAll(async () => {
    await stack?.[Symbol.asyncDispose]();
  }, 180_000);

  test('every pod of the release is Ready: tangodb, databaseds, tangotest, itango', async () => {
    const pods = await stack.releasePods();
    const components = pods.map((p) => p.metadata?.labels?.['app.kubernetes.io/component']).sort();
    expect(components).toEqual(['databaseds', 'itango', 'tangodb', 'tangotest']);
    for (const pod of pods) {
      expect({ pod: pod.metadata?.name, ready: TangoBaseRelease.isReady(pod) }).toEqual({
        pod: pod.metadata?.name,
        ready: true,
      });
      expect(pod.metadata?.name).toContain(release);
    }
  });

  test('from another pod, tango_admin --ping-device sys/tg_test/1 succeeds (and an unknown device fails)', () => {
    expect(clientAnswer.pod.status?.phase).toBe('Succeeded');
    expect(clientAnswer.log).toMatch(/answered-at-ms=\d+/);
    const missing = Number(/missing-device-exit=(\d+)/.exec(clientAnswer.log)?.[1]);
    expect(missing).toBeGreaterThan(0);
  });

  test('helm test passes: the test pod pings TangoTest and reads double_scalar', async () => {
    const result = await stack.helmTest();
    expect(result.suites).toEqual([{ name: `tangotest-tango-base-${release}-ping-test`, phase: 'Succeeded' }]);
    expect(result.output).toMatch(/^OK: sys\/tg_test\/1 state \w+, double_scalar = /m);
  }, 180_000);

  test('DataBaseds is restarted by its liveness probe after MariaDB restarts, and TangoTest answers again', async () => {
    const before = await stack.restartCount('databaseds');
    const restartedAt = Date.now();
    await stack.deletePod('tangodb');
    // Without the probe DataBaseds would answer "Server has gone away" forever (it never reconnects).
    await stack.waitFor(
      'databaseds to be restarted by its liveness probe',
      async () => (await stack.restartCount('databaseds')) > before,
      { timeoutMs: 120_000 },
    );
    const again = await stack.runClientPod(
      'ping-after-db-restart',
      'until tango_admin --ping-device "$DEVICE" >/dev/null 2>&1; do sleep 0.5; done; echo answered',
      { DEVICE: device },
      { timeoutMs: 180_000 },
    );
    expect(again.pod.status?.phase).toBe('Succeeded');
    console.log(
      `tango-base: after a MariaDB restart TangoTest answered again in ${((again.observedMs - restartedAt) / 1000).toFixed(1)} s`,
    );
  }, 360_000);
});
