// The release lifecycle of charts/tango-base as its users live it: install the released 0.1.0 from a chart
// repository (a real HTTP server on loopback, helm repo add), upgrade to the working copy with changed values and
// keep the database volume and its data, then a broken upgrade, the rollback and the helm tests.
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import { LocalChartRepository } from '../../testsupport/api/helm.ts';
import { ChartDeployment, mark, packageChart } from '../../testsupport/index.ts';

const chartDir = path.resolve(import.meta.dirname, '..', '..', 'charts', 'tango-base');
/** The last commit of tango-base 0.1.0 (before the working copy's 0.2.0). */
const released = 'db630cd93c7342eb98ed82e1b5a9070b381e9d71';
const mark_ = `upgrade-mark-${Date.now()}`;

let repo: LocalChartRepository;
let tango: ChartDeployment;

async function statefulSet(prefix: string): Promise<V1StatefulSet> {
  const set = (await tango.resources<V1StatefulSet>('StatefulSet')).find((s) => s.metadata?.name?.startsWith(prefix));
  if (!set) throw new Error(`no StatefulSet ${prefix}* in release ${tango.releaseName}`);
  return set;
}

const isReady = (pod: V1Pod) => (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

mark('chart_deploy').describe('tango-base: released 0.1.0 -> working copy, broken upgrade -> rollback', () => {
  beforeAll(async () => {
    const previous = await packageChart(chartDir, { gitRevision: released });
    expect(previous.version).toBe('0.1.0');
    repo = await LocalChartRepository.start({ name: 'released', charts: [previous.file] });
    tango = await ChartDeployment.install(repo.ref('tango-base', '0.1.0'), { helm: repo.helm, timeout: 300_000 });
  }, 420_000);

  afterAll(async () => {
    await tango?.uninstall();
    await repo?.close();
  }, 240_000);

  test('upgrading to the working copy with changed values rolls tangodb, keeps its claim and data, and both revisions are in the history', async () => {
    expect(tango.release?.chart).toBe('tango-base-0.1.0');
    expect(repo.requests).toEqual(expect.arrayContaining(['/index.yaml', '/tango-base-0.1.0.tgz']));
    const claim = (await tango.claims()).find((c) => c.metadata?.name?.startsWith('tangodb'));
    expect(claim?.status?.phase).toBe('Bound');
    const dbBefore = await tango.pod('tangodb');
    const written = await tango.exec(
      dbBefore.metadata?.name ?? '',
      ['sh', '-c', `echo ${mark_} > /var/lib/mysql/ct-mark`],
      {
        container: 'tangodb',
      },
    );
    expect(written.exitCode).toBe(0);

    // changed resources: a new pod template for tangodb, so the StatefulSet must roll its pod
    const upgraded = await tango.upgrade({
      chart: chartDir,
      values: { tangodb: { resources: { limits: { cpu: '1', memory: '640Mi' } } } },
      timeout: 300_000,
    });

    expect(upgraded.chart).toBe('tango-base-0.2.0');
    // the rollout waited: upgrade() returned with the new pod Ready on the set's update revision
    const set = await statefulSet('tangodb');
    expect(set.status?.currentRevision).toBe(set.status?.updateRevision);
    const dbAfter = await tango.pod('tangodb');
    expect(dbAfter.metadata?.uid).not.toBe(dbBefore.metadata?.uid);
    expect(dbAfter.metadata?.labels?.['controller-revision-hash']).toBe(set.status?.updateRevision);
    expect(isReady(dbAfter)).toBe(true);
    expect(dbAfter.spec?.containers.find((c) => c.name === 'tangodb')?.resources?.limits?.memory).toBe('640Mi');
    // the same claim (not a new one) and the file written before the upgrade
    const claimAfter = (await tango.claims()).find((c) => c.metadata?.name === claim?.metadata?.name);
    expect(claimAfter?.metadata?.uid).toBe(claim?.metadata?.uid);
    const read = await tango.exec(dbAfter.metadata?.name ?? '', ['cat', '/var/lib/mysql/ct-mark'], {
      container: 'tangodb',
    });
    expect(read.stdout.trim()).toBe(mark_);

    const history = await tango.history();
    expect(history.map(({ revision, chart, status }) => ({ revision, chart, status }))).toEqual([
      { revision: 1, chart: 'tango-base-0.1.0', status: 'superseded' },
      { revision: 2, chart: 'tango-base-0.2.0', status: 'deployed' },
    ]);
    const tests = await tango.test({ timeout: 180_000 });
    expect(tests.suites.map(({ name, passed }) => ({ name, passed }))).toEqual([
      { name: `tangotest-tango-base-${tango.releaseName}-ping-test`, passed: true },
    ]);
    expect(tests.suites[0]?.log).toMatch(/^OK: sys\/tg_test\/1 state \w+, double_scalar = /m);
  }, 480_000);

  test('after an upgrade to a broken image, Kubernetes leaves the pod stuck; rollback() replaces it and the release is ready on the old revision', async () => {
    const good = (await statefulSet('tangotest')).spec?.template.spec?.containers[0]?.image;
    await expect(
      tango.upgrade({
        reuseValues: true,
        values: { tangotest: { image: { tag: '0.0.0-no-such-tag' } } },
        timeout: 180_000,
      }),
    ).rejects.toThrow(/0\.0\.0-no-such-tag/);

    // helm's own rollback, with the framework's help turned off: the pod on the broken revision stays
    await tango.rollback(undefined, { wait: false, replaceStuckPods: false });
    const rolledBack = await statefulSet('tangotest');
    await new Promise((resolve) => setTimeout(resolve, 20_000));
    const stuck = await tango.pod('tangotest-');
    expect(stuck.spec?.containers[0]?.image).toMatch(/0\.0\.0-no-such-tag/);
    expect(stuck.metadata?.labels?.['controller-revision-hash']).not.toBe(rolledBack.status?.updateRevision);
    expect(isReady(stuck)).toBe(false);

    // what rollback() does by default: delete the stuck pod, then wait
    const release = await tango.rollback(2, { timeout: 240_000 });
    expect(release.status).toBe('deployed');
    const pod = await tango.pod('tangotest-');
    expect(pod.metadata?.uid).not.toBe(stuck.metadata?.uid);
    expect(pod.spec?.containers[0]?.image).toBe(good);
    expect(isReady(pod)).toBe(true);
    const history = await tango.history();
    expect(history.map(({ revision, status }) => ({ revision, status }))).toEqual([
      { revision: 1, status: 'superseded' },
      { revision: 2, status: 'superseded' },
      { revision: 3, status: 'superseded' }, // helm does not wait: chart-testware's wait failed the upgrade
      { revision: 4, status: 'superseded' },
      { revision: 5, status: 'deployed' },
    ]);
    expect(history.slice(-2).map((revision) => revision.description)).toEqual(['Rollback to 2', 'Rollback to 2']);
    await expect(tango.test({ timeout: 180_000 })).resolves.toMatchObject({ passed: true });
  }, 600_000);
});
