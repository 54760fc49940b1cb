// Pod-log assertions without a log store (ChartDeployment.logsEventuallyContain / logsNeverContain) on a release
// of charts/echo-server: lines are posted to the server, which prints them; a restart moves them to the previous
// container's log.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { ChartDeployment } from '../../testsupport/cluster/chart-deployment.ts';
import { PodLogNotFoundError, UnexpectedPodLogError } from '../../testsupport/cluster/pod-log-assertions.ts';
import { mark } from '../../testsupport/index.ts';
import { type ForwardedPort, portForward } from '../../testsupport/kube/port-forward.ts';
import { waitUntil } from '../../testsupport/kube/wait-until.ts';

let release: ChartDeployment | undefined;
let forward: ForwardedPort | undefined;

function installed(): ChartDeployment {
  if (!release) throw new Error('beforeAll did not install charts/echo-server');
  return release;
}

async function serverPod(): Promise<string> {
  return (await installed().pod()).metadata?.name ?? '';
}

async function post(line: string): Promise<void> {
  forward ??= await portForward({ namespace: installed().namespace, pod: await serverPod(), port: 8080 });
  const response = await fetch(`http://127.0.0.1:${forward.localPort}/echo`, { method: 'POST', body: line });
  expect(response.status).toBe(200);
}

mark('chart_deploy').describe('pod-log assertions on a charts/echo-server release', () => {
  beforeAll(async () => {
    release = await ChartDeployment.install('charts/echo-server', { values: { server: { logFormat: 'text' } } });
  }, 300_000);

  afterAll(async () => {
    await forward?.close();
    await release?.uninstall();
  }, 120_000);

  test('eventually contains: a substring or a RegExp, found in the test window with pod and container', async () => {
    const id = randomBytes(5).toString('hex');
    await post(`order ${id} shipped`);
    const [hit] = await installed().logsEventuallyContain(`order ${id} shipped`, { timeout: 30_000 });
    expect(hit).toMatchObject({ pod: await serverPod(), container: 'echo-server', previous: false });
    expect(hit?.line).toBe(`order ${id} shipped`);
    const byRegex = await installed().logsEventuallyContain(new RegExp(`order ${id} (shipped|lost)`, 'g'));
    expect(byRegex).toHaveLength(1);
  }, 60_000);

  test('the time window: a line logged before `since` is not found; a missing line fails naming the scope', async () => {
    const id = randomBytes(5).toString('hex');
    await post(`early ${id}`);
    await installed().logsEventuallyContain(`early ${id}`);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const since = new Date();
    const failure = await installed()
      // a deadline a loaded machine's first scan still finishes within (one abandoned at it would count 0 logs)
      .logsEventuallyContain(`early ${id}`, { since, timeout: 5_000, interval: 300 })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PodLogNotFoundError);
    expect((failure as Error).message).toContain(`no log line matching "early ${id}" in 1 container log(s) of pods of`);
    expect((failure as Error).message).toContain(`app.kubernetes.io/instance=${installed().releaseName}`);
  }, 60_000);

  test('never contains: passes when absent for the whole window, fails on a line logged during it', async () => {
    const id = randomBytes(5).toString('hex');
    await installed().logsNeverContain(`absent ${id}`, { timeout: 1_500, interval: 500 });
    setTimeout(() => void post(`present ${id}`), 300);
    const failure = await installed()
      .logsNeverContain(/present [0-9a-f]+/, { timeout: 20_000, interval: 300 })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UnexpectedPodLogError);
    expect((failure as Error).message).toContain(`echo-server: present ${id}`);
    // Another container name scopes it out.
    await installed().logsNeverContain(`present ${id}`, { container: 'sidecar', timeout: 500 });
  }, 60_000);

  // The kubelet reports a terminated container's finishedAt in whole seconds, rounded down: a restart in the same
  // second as the window's start looked as if it ended before the window, and its log was not read.
  test("a restarted container's previous log is searched too", async () => {
    const id = randomBytes(5).toString('hex');
    await post(`before restart ${id}`);
    await installed().logsEventuallyContain(`before restart ${id}`);
    const pod = await serverPod();
    await forward?.close();
    forward = undefined;
    // PID 1 is the server (node): ending it restarts the container in place.
    const killedAt = Date.now();
    await installed()
      .exec(pod, ['node', '-e', 'process.kill(1, "SIGTERM")'])
      .catch(() => undefined);
    await waitUntil(
      async () => {
        const current = await installed().pod();
        const status = current.status?.containerStatuses?.[0];
        return (status?.restartCount ?? 0) > 0 && status?.ready;
      },
      { timeout: 90_000, interval: 500, description: 'the echo-server container to restart and be ready' },
    );
    const hits = await installed().logsEventuallyContain(`before restart ${id}`, { timeout: 10_000 });
    expect(hits.map((hit) => hit.previous)).toEqual([true]);
    // A window that starts at the kill, inside the second the old instance ended in: its shutdown line is found.
    const shutdown = await installed().logsEventuallyContain('echo-server: SIGTERM: closing', {
      since: killedAt,
      timeout: 10_000,
    });
    expect(shutdown.map((hit) => [hit.container, hit.previous])).toEqual([['echo-server', true]]);
    await installed().logsNeverContain(`before restart ${id}`, { timeout: 500, since: Date.now() });
  }, 150_000);
});
