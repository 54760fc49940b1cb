// Faults on a real release (charts/echo-server) and the recovery matcher: each fault takes effect, is undone on
// dispose (last first, also when the block throws), and `toRecoverWithin` tells recovered from not recovered,
// with the helm tests as the probe (they go through the Service). Also deployment.test()'s failure path.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { V1Deployment, V1Pod, V1Service } from '@kubernetes/client-node';
import { ReleaseTestError } from '../../testsupport/api/kube.ts';
import { ChartDeployment, mark } from '../../testsupport/index.ts';
import { projectRoot } from './fixtures.ts';

let app: ChartDeployment;
let workload: string;
let service: string;
// the helm tests give up quickly, so a probe through a Service without endpoints fails in seconds
const probe = () => app.test({ timeout: 60_000 });

async function deployment(): Promise<V1Deployment> {
  const [found] = await app.resources<V1Deployment>('Deployment');
  if (!found) throw new Error(`release ${app.releaseName} has no Deployment`);
  return found;
}

/** The server's pods (the helm test pods carry the release's labels too). */
async function serverPods(): Promise<V1Pod[]> {
  return (await app.pods()).filter(
    (pod) => pod.metadata?.ownerReferences?.some((o) => o.kind === 'ReplicaSet') && !pod.metadata?.deletionTimestamp,
  );
}

async function serverPod(): Promise<V1Pod> {
  const [pod] = await serverPods();
  if (!pod) throw new Error(`release ${app.releaseName} has no server pod`);
  return pod;
}

mark('chart_deploy').describe('faults on a release and toRecoverWithin', () => {
  beforeAll(async () => {
    app = await ChartDeployment.install(`${projectRoot}/charts/echo-server`, {
      values: { tests: { retrySeconds: 2 } },
    });
    workload = `Deployment/${(await deployment()).metadata?.name}`;
    service = (await app.services())[0]?.metadata?.name ?? '';
  }, 240_000);

  afterAll(async () => {
    await app?.uninstall();
  }, 180_000);

  test('deleting the pod: the release recovers, with a new pod, and the helm tests pass again', async () => {
    await using faults = app.faults();
    const before = await serverPod();
    await faults.deletePod(before.metadata?.name ?? '');
    await expect(app).toRecoverWithin(90_000, { probe });
    expect((await serverPod()).metadata?.uid).not.toBe(before.metadata?.uid);
    expect(faults.done.map((fault) => fault.label)).toEqual([`delete pod ${before.metadata?.name}`]);
  }, 180_000);

  test('rollout restart: a new pod template, every pod replaced, recovered', async () => {
    await using faults = app.faults();
    const before = await serverPod();
    await faults.restart(workload);
    await expect(app).toRecoverWithin(90_000, { probe });
    const set = await deployment();
    expect(set.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeDefined();
    expect((await serverPod()).metadata?.uid).not.toBe(before.metadata?.uid);
  }, 180_000);

  test('scaled to zero it does not recover (the message names what is not ready); scaled back it does', async () => {
    await using faults = app.faults();
    await faults.scaleToZero(workload);
    expect(await serverPods()).toEqual([]);
    const notRecovered = expect(app).toRecoverWithin(4_000);
    await expect(notRecovered).rejects.toThrow(/to recover within 4000 ms.*not ready:.*no ready endpoints/s);
    await faults.undoAll();
    expect((await deployment()).spec?.replicas).toBe(1);
    await expect(app).toRecoverWithin(90_000, { probe });
  }, 180_000);

  test('a Service cut off its endpoints: helm tests fail with their logs meanwhile; cut for a while, it recovers by itself', async () => {
    await using faults = app.faults();
    const selector = (await app.services())[0]?.spec?.selector;
    const cut = await faults.cutEndpoints(service);
    const failed = await app.test({ timeout: 60_000 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failed).toBeInstanceOf(ReleaseTestError);
    const result = (failed as ReleaseTestError).result;
    expect(result.passed).toBe(false);
    expect(result.suites.length).toBeGreaterThan(0);
    expect(result.suites.some((suite) => !suite.passed && suite.log !== '')).toBe(true);
    expect((failed as Error).message).toMatch(/did not succeed/);
    await cut.undo();
    await cut.restored;
    const service1 = (await app.resources<V1Service>('Service')).find((s) => s.metadata?.name === service);
    expect(service1?.spec?.selector).toEqual(selector);
    await expect(app).toRecoverWithin(90_000, { probe });

    // with forMs the selector comes back by itself
    const timed = await faults.cutEndpoints(service, { forMs: 3_000 });
    await timed.restored;
    const service2 = (await app.resources<V1Service>('Service')).find((s) => s.metadata?.name === service);
    expect(service2?.spec?.selector).toEqual(selector);
    await expect(app).toRecoverWithin(90_000, { probe });
  }, 300_000);

  test("killing the container's main process restarts it, and the release recovers", async () => {
    await using faults = app.faults();
    const pod = await serverPod();
    const restarts = pod.status?.containerStatuses?.[0]?.restartCount ?? 0;
    await faults.killMainProcess(pod.metadata?.name ?? '');
    const after = await app.pod(pod.metadata?.name ?? '');
    expect(after.metadata?.uid).toBe(pod.metadata?.uid);
    expect(after.status?.containerStatuses?.[0]?.restartCount).toBeGreaterThan(restarts);
    await expect(app).toRecoverWithin(90_000, { probe });
  }, 180_000);

  test('faults are undone last-first when the block throws', async () => {
    const selector = (await app.services())[0]?.spec?.selector;
    const labels: string[] = [];
    await expect(
      (async () => {
        await using faults = app.faults();
        await faults.scaleToZero(workload);
        await faults.cutEndpoints(service);
        labels.push(...faults.done.map((fault) => fault.label));
        throw new Error('the test failed here');
      })(),
    ).rejects.toThrow('the test failed here');
    expect(labels).toEqual([
      expect.stringMatching(/^scale Deployment\/.* to 0 \(from 1\)$/),
      `cut Service ${service} off its endpoints`,
    ]);
    expect((await deployment()).spec?.replicas).toBe(1);
    expect((await app.services())[0]?.spec?.selector).toEqual(selector);
    await expect(app).toRecoverWithin(90_000, { probe });
  }, 180_000);

  test('bad fault input is refused before anything changes', async () => {
    const faults = app.faults();
    await expect(faults.restart('DaemonSet/x')).rejects.toThrow(/only Deployment\/<name> and StatefulSet\/<name>/);
    await expect(faults.scaleToZero('no-such-workload')).rejects.toThrow(/matches no Deployment\/StatefulSet/);
    await expect(faults.cutEndpoints('no-such-service')).rejects.toThrow(/has no Service "no-such-service"/);
    await expect(faults.killMainProcess(app.releaseName, { signal: 'TERM; rm -rf /' })).rejects.toThrow(
      /not a signal name/,
    );
    expect(faults.done).toEqual([]);
  }, 60_000);
});
