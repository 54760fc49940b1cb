// charts/logging on the cluster: an EchoServer's line travels kubelet log file -> rsyslog shipper -> Elasticsearch,
// and ElasticsearchLogs finds it through a port-forward, scoped to the EchoServer's pod. (The shipper has no rate
// limiter: rsyslog's imfile input has none in 8.2302, so the seed's throttling test has nothing to test here.)
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { ChartDeployment } from '../../testsupport/cluster/chart-deployment.ts';
import { EchoServer } from '../../testsupport/extras/echo-server.ts';
import { ElasticsearchLogs, UnexpectedLogLineError } from '../../testsupport/extras/elasticsearch-logs.ts';
import { mark } from '../../testsupport/index.ts';

let logging: ChartDeployment | undefined;
let logs: ElasticsearchLogs | undefined;
let echo: EchoServer | undefined;

function store(): { logs: ElasticsearchLogs; echo: EchoServer } {
  if (!logs || !echo) throw new Error('beforeAll did not set up the logging stack');
  return { logs, echo };
}

const within = 120_000;

mark('chart_deploy').describe('charts/logging: EchoServer lines in Elasticsearch', () => {
  beforeAll(async () => {
    logging = await ChartDeployment.install('charts/logging', { timeout: 300_000 });
    logs = await ElasticsearchLogs.viaPortForward({
      namespace: logging.namespace,
      service: await elasticsearchService(logging),
    });
    echo = await EchoServer.deploy({ namespace: logging.namespace });
  }, 420_000);

  afterAll(async () => {
    await echo?.delete().catch(() => undefined);
    await logs?.close().catch(() => undefined);
    await logging?.uninstall();
  }, 180_000);

  test('a posted line is found scoped to the EchoServer namespace, pod and container, with its stream', async () => {
    const { logs, echo } = store();
    const since = new Date(Date.now() - 1_000);
    const line = `logging-chart ${randomBytes(6).toString('hex')} hello from the echo server`;
    await echo.printToStdout(line);
    const posted = Date.now();
    const [record, ...more] = await logs.expectLine(
      { phrase: line, namespace: echo.namespace, pod: echo.name, container: 'echo-server', since },
      { within },
    );
    process.stderr.write(`[logging] searchable ${((Date.now() - posted) / 1000).toFixed(1)} s after the POST\n`);
    expect(more).toEqual([]);
    expect(record?.message).toBe(line);
    expect(record?.source.stream).toBe('stdout');
    expect(await logs.serverMajor()).toBe(8);
  }, 180_000);

  test('a query scoped to another namespace or pod does not find a line that is in the store', async () => {
    const { logs, echo } = store();
    const since = new Date(Date.now() - 1_000);
    const line = `scoped-out ${randomBytes(6).toString('hex')}`;
    await echo.printToStdout(line);
    await logs.expectLine({ phrase: line, since }, { within });
    await logs.expectNoLine({ phrase: line, namespace: 'kube-system', since }, { within: 2_000, interval: 500 });
    await logs.expectNoLine(
      { phrase: line, namespace: echo.namespace, pod: `${echo.name}-other`, since },
      { within: 1_000 },
    );
    // and the same scoped check fails where the line is
    await expect(
      logs.expectNoLine({ phrase: line, namespace: echo.namespace, pod: echo.name, since }, { within: 1_000 }),
    ).rejects.toThrow(UnexpectedLogLineError);
  }, 180_000);

  test('a line with quotes, tabs, unicode and a 10 kB payload round-trips exactly', async () => {
    const { logs, echo } = store();
    const since = new Date(Date.now() - 1_000);
    const marker = `roundtrip-${randomBytes(6).toString('hex')}`;
    const payload = randomBytes(7_700).toString('base64').slice(0, 10_240);
    const line = `${marker} "double" 'single' \\back\\slash\ttab ünïcödé ✓ 日本語 🚀 ${payload}`;
    expect(Buffer.byteLength(line)).toBeGreaterThan(10_240);
    await echo.printToStdout(line);
    const [record] = await logs.expectLine({ phrase: marker, pod: echo.name, since }, { within });
    expect(record?.message?.length).toBe(line.length);
    expect(record?.message).toBe(line);
  }, 180_000);

  test('helm test: a document written to Elasticsearch is found, and so is the test pod line shipped there', async () => {
    if (!logging) throw new Error('beforeAll did not install charts/logging');
    const result = await logging.helm.test(logging.releaseName, { timeout: 180_000 });
    expect(result.output).toContain('found the shipped line');
    expect(result.suites.length).toBeGreaterThan(0);
  }, 240_000);

  test('the Elasticsearch pod stays under 1 GiB and never restarted', async () => {
    if (!logging) throw new Error('beforeAll did not install charts/logging');
    const pod = await logging.pod(
      `${(await elasticsearchService(logging)).replace(/-elasticsearch$/, '')}-elasticsearch-`,
    );
    const container = pod.spec?.containers.find((c) => c.name === 'elasticsearch');
    expect(container?.resources?.limits?.memory).toBe('900Mi');
    expect(pod.status?.containerStatuses?.find((c) => c.name === 'elasticsearch')?.restartCount).toBe(0);
    const { stdout } = await logging.exec(pod.metadata?.name ?? '', [
      'sh',
      '-c',
      'cat /sys/fs/cgroup/memory.current 2>/dev/null || cat /sys/fs/cgroup/memory/memory.usage_in_bytes',
    ]);
    const bytes = Number(stdout.trim());
    process.stderr.write(`[logging] Elasticsearch pod memory ${(bytes / 2 ** 20).toFixed(0)} MiB (cgroup)\n`);
    expect(bytes).toBeGreaterThan(64 * 2 ** 20);
    expect(bytes).toBeLessThan(2 ** 30);
  }, 60_000);
});

/** The release's Elasticsearch Service (its name depends on the release name: see the chart's fullname). */
async function elasticsearchService(release: ChartDeployment): Promise<string> {
  const service = (await release.services()).find(
    (s) => s.metadata?.labels?.['app.kubernetes.io/component'] === 'elasticsearch',
  );
  if (!service?.metadata?.name) throw new Error(`release ${release.releaseName} has no elasticsearch Service`);
  return service.metadata.name;
}
