import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { V1StatefulSet } from '@kubernetes/client-node';
import { ChartDeployment } from '../../testsupport/cluster/chart-deployment.ts';
import { mark } from '../../testsupport/index.ts';
import { projectRoot } from './fixtures.ts';

const chart = path.join(projectRoot, 'charts', 'tango-base');
let tango: ChartDeployment;

mark('chart_deploy').describe('tango-base deployed', () => {
  beforeAll(async () => {
    tango = await ChartDeployment.install(chart, { timeout: 240_000 });
  }, 300_000);

  afterAll(async () => {
    await tango?.uninstall();
  }, 180_000);

  test('the databaseds StatefulSet has TANGO_HOST set to its own service', async () => {
    const sets = await tango.resources<V1StatefulSet>('StatefulSet');
    const databaseds = sets.find((set) => set.spec?.template.spec?.containers.some((c) => c.name === 'databaseds'));
    expect(databaseds).toBeDefined();
    const service = (await tango.services()).find((s) => s.metadata?.name === databaseds?.spec?.serviceName);
    expect(service).toBeDefined();
    const port = service?.spec?.ports?.[0]?.port;
    const env = databaseds?.spec?.template.spec?.containers.find((c) => c.name === 'databaseds')?.env ?? [];
    expect(env.find((e) => e.name === 'TANGO_HOST')?.value).toMatch(
      new RegExp(`^${service?.metadata?.name}(\\.${tango.namespace}(\\.svc(\\.cluster\\.local)?)?)?:${port}$`),
    );
    // and the running process sees it
    const pod = await tango.pod(databaseds?.metadata?.name ?? 'databaseds');
    const printed = await tango.exec(pod.metadata?.name ?? '', ['printenv', 'TANGO_HOST'], { container: 'databaseds' });
    expect(printed.stdout.trim()).toBe(env.find((e) => e.name === 'TANGO_HOST')?.value);
  }, 60_000);

  test('mysqld runs in the tangodb pod', async () => {
    const pods = await tango.pods();
    const tangodb = pods.find(
      (pod) =>
        pod.spec?.containers.some((c) => /tangodb|mysql|mariadb/.test(c.name)) &&
        /tangodb/.test(pod.metadata?.name ?? ''),
    );
    expect(tangodb).toBeDefined();
    const result = await tango.exec(tangodb?.metadata?.name ?? '', ['ps', '-C', 'mysqld', '-o', 'comm=']);
    expect(result).toMatchObject({ exitCode: 0 });
    expect(result.stdout.trim().split('\n')).toContain('mysqld');
  }, 60_000);

  test('the TangoTest device answers', async () => {
    const pods = await tango.pods();
    const tangotest = pods.find((pod) => pod.spec?.containers.some((c) => /tangotest/i.test(c.name)));
    expect(tangotest).toBeDefined();
    const container = tangotest?.spec?.containers.find((c) => /tangotest/i.test(c.name))?.name;
    const ping = await tango.exec(tangotest?.metadata?.name ?? '', ['tango_admin', '--ping-device', 'sys/tg_test/1'], {
      container,
      timeout: 30_000,
    });
    expect(ping).toMatchObject({ exitCode: 0 });
  }, 60_000);
});
