// charts/tango-base under faults: the Tango stack must come back by itself after MariaDB restarts. DataBaseds
// never reconnects to a restarted database (its reconnect switch is off with MariaDB Connector/C), so the chart
// gives it a liveness probe through the database that restarts it. The second test shows the trap with the probe
// switched off: the release does not recover until DataBaseds is restarted.
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { ChartDeployment, mark, step } from '../../testsupport/index.ts';

const chartDir = path.resolve(import.meta.dirname, '..', '..', 'charts', 'tango-base');
let tango: ChartDeployment;

/** TangoTest answers a ping through DataBaseds (the release's TANGO_HOST), asked from the databaseds pod. */
async function tangoTestAnswers(): Promise<boolean> {
  const result = await tango.exec('databaseds', ['tango_admin', '--ping-device', 'sys/tg_test/1'], {
    container: 'databaseds',
  });
  return result.exitCode === 0;
}

/** DataBaseds itself answers a call that goes through its database connection. */
async function dataBasedsReachesItsDatabase(): Promise<boolean> {
  const result = await tango.exec(
    'databaseds',
    ['env', 'TANGO_HOST=localhost:10000', 'tango_admin', '--ping-database'],
    {
      container: 'databaseds',
    },
  );
  return result.exitCode === 0;
}

async function restarts(component: string): Promise<number> {
  const pod = await tango.pod(component);
  return pod.status?.containerStatuses?.find((c) => c.name === component)?.restartCount ?? 0;
}

async function tangodbReady(): Promise<boolean> {
  const pod = await tango.pod('tangodb').catch(() => undefined);
  return (pod?.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

mark('chart_deploy').describe('tango-base recovers from a MariaDB restart', () => {
  beforeAll(async () => {
    tango = await ChartDeployment.install(chartDir, { timeout: 300_000 });
  }, 420_000);

  afterAll(async () => {
    await tango?.uninstall();
  }, 240_000);

  test('with the chart as it is, the liveness probe restarts DataBaseds and TangoTest answers again', async () => {
    await using faults = tango.faults();
    const before = await restarts('databaseds');
    const started = Date.now();
    await faults.deletePod('tangodb');
    await expect(tango).toRecoverWithin(180_000, { probe: tangoTestAnswers, interval: 2_000 });
    console.log(`tango-base: recovered from a MariaDB restart in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(await restarts('databaseds')).toBeGreaterThan(before);
  }, 300_000);

  test('without the liveness probe, DataBaseds never reconnects to the restarted MariaDB; a restart of DataBaseds cures it', async () => {
    await using faults = tango.faults();
    await tango.upgrade({
      reuseValues: true,
      values: { databaseds: { livenessProbe: { enabled: false } } },
      timeout: 240_000,
    });
    expect(await dataBasedsReachesItsDatabase()).toBe(true);
    const before = await restarts('databaseds');
    await faults.deletePod('tangodb');
    await step('MariaDB back', async () => {
      const deadline = Date.now() + 180_000;
      while (!(await tangodbReady()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    });
    expect(await tangodbReady()).toBe(true);
    // the database is back and answering, yet DataBaseds stays cut off from it for the whole minute
    await expect(tango).not.toRecoverWithin(60_000, { probe: dataBasedsReachesItsDatabase, interval: 2_000 });
    expect(await dataBasedsReachesItsDatabase()).toBe(false);
    expect(await restarts('databaseds')).toBe(before);
    expect(await tangodbReady()).toBe(true);

    // what the liveness probe does: restart DataBaseds
    await faults.deletePod('databaseds');
    await expect(tango).toRecoverWithin(180_000, { probe: tangoTestAnswers, interval: 2_000 });
  }, 600_000);
});
