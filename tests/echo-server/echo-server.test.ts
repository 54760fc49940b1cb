// EchoServer on the local cluster: the round trip through stdout and the pod log, parallel servers, and
// probes inside its image (which has no ps, ss or netstat).
import { randomBytes } from 'node:crypto';
import { expect, test } from '@jest/globals';
import axios from 'axios';
import { EchoServer } from '../../testsupport/extras/echo-server.ts';
import { mark } from '../../testsupport/index.ts';
import { kubeClients, mergePatch } from '../../testsupport/kube/kube-clients.ts';
import { PortForwardError, portForward } from '../../testsupport/kube/port-forward.ts';
import { host } from '../../testsupport/probes/host.ts';
import { MissingProgramError, ProbeTimeoutError } from '../../testsupport/probes/probe-error.ts';

const unique = (what: string) => `${what} ${randomBytes(6).toString('hex')}`;

mark('chart_deploy').describe('EchoServer on the local cluster', () => {
  test('a unique line posted shows in the pod log, once, as one line', async () => {
    await using echo = await EchoServer.deploy();
    const line = unique('round trip');
    const started = performance.now();
    await echo.printToStdout(line);
    const posted = performance.now();
    await echo.waitForLogLine(line, { timeout: 20_000 });
    const logged = performance.now();
    process.stderr.write(
      `[echo-server] POST ${Math.round(posted - started)} ms (incl. port-forward setup), POST..in log ${Math.round(logged - posted)} ms\n`,
    );
    const second = unique('second');
    const t0 = performance.now();
    await echo.printToStdout(second);
    const t1 = performance.now();
    await echo.waitForLogLine(second);
    process.stderr.write(
      `[echo-server] warm: POST ${Math.round(t1 - t0)} ms, POST..in log ${Math.round(performance.now() - t1)} ms\n`,
    );
    const multi = `${unique('multi')}\nsecond line`;
    await echo.printToStdout(multi);
    await echo.waitForLogLine(multi);
    const lines = await echo.logLines();
    expect(lines.filter((l) => l === line)).toHaveLength(1);
    expect(lines).toContain(multi.replace('\n', '\\n'));
    expect(await echo.logs()).toContainLogLine(line);
  }, 120_000);

  test('with JSON logs, bodies come back exactly, control characters and all', async () => {
    await using echo = await EchoServer.deploy({ logFormat: 'json' });
    const body = `${unique('json')}\n\ttabbed \u0001 "quoted"`;
    await echo.printToStdout(body);
    await echo.waitForLogLine(body);
    expect(await echo.logLines()).toEqual([body]);
    const raw = (await echo.logs()).split('\n').filter((line) => line.includes('"msg"'));
    expect(raw.map((line) => (JSON.parse(line) as { msg: string }).msg)).toContain(body);
  }, 120_000);

  test('the pod runs without a service-account token, with limits and probes, as uid 10001', async () => {
    await using echo = await EchoServer.deploy();
    const pod = await kubeClients().core.readNamespacedPod({ name: echo.name, namespace: echo.namespace });
    expect(pod).toBeReady();
    expect(pod).toHaveRunningContainers(1);
    const container = pod.spec?.containers[0];
    expect(pod.spec?.automountServiceAccountToken).toBe(false);
    expect(container?.volumeMounts ?? []).toEqual([]);
    expect(container?.resources?.limits).toEqual({ cpu: '500m', memory: '128Mi' });
    expect(container?.readinessProbe?.httpGet?.path).toBe('/healthz');
    expect(container?.securityContext?.readOnlyRootFilesystem).toBe(true);
    const inside = host(`kube://${echo.namespace}/${echo.name}`);
    expect(await inside.file('/var/run/secrets/kubernetes.io/serviceaccount/token')).not.toExist();
    const node = await inside.process({ command: 'node' });
    expect([node.uid, node.args]).toEqual([10001, ['node', '/app/server.ts']]);
    // The root filesystem is read-only for real.
    const write = await inside.run(['touch', '/app/x']);
    expect(write.rc).not.toBe(0);
    expect(write.stderr).toContain('Read-only file system');
  }, 120_000);

  test('two EchoServers in parallel each see only their own lines', async () => {
    const [a, b] = await Promise.all([EchoServer.deploy(), EchoServer.deploy()]);
    await using first = a;
    await using second = b;
    expect(first.name).not.toBe(second.name);
    const lineA = unique('for a');
    const lineB = unique('for b');
    await Promise.all([first.printToStdout(lineA), second.printToStdout(lineB)]);
    await Promise.all([first.waitForLogLine(lineA), second.waitForLogLine(lineB)]);
    expect(await first.logLines()).toEqual([lineA]);
    expect(await second.logLines()).toEqual([lineB]);
    const [fa, fb] = await Promise.all([first.forward(), second.forward()]);
    expect(fa.localPort).not.toBe(fb.localPort);
  }, 120_000);

  test('socket and process probes work in the echo-server image, which has no ps, ss or netstat', async () => {
    await using echo = await EchoServer.deploy();
    await using inside = host(`kube://${echo.namespace}/${echo.name}`);
    for (const tool of ['ps', 'ss', 'netstat']) {
      await expect(inside.run([tool])).rejects.toBeInstanceOf(MissingProgramError);
    }
    const started = performance.now();
    const listening = await inside.socket('tcp://8080');
    process.stderr.write(`[probes] socket probe over exec: ${Math.round(performance.now() - started)} ms\n`);
    expect(listening).toBeListening();
    expect(listening.listeners[0]).toMatchObject({ localAddress: '0.0.0.0', localPort: 8080, uid: 10001 });
    expect(await inside.socket('tcp://0.0.0.0:8080')).toBeListening();
    const slow = await inside.run(['sleep', '30'], { timeout: 500 }).catch((error: unknown) => error);
    expect(slow).toBeInstanceOf(ProbeTimeoutError);
    expect((slow as Error).message).toContain('no exit within 500 ms');
    const closed = await inside.socket('tcp://9999');
    expect(closed).not.toBeListening();
    expect(() => expect(closed).toBeListening()).toThrow(
      `expected socket tcp://9999 on kube://${echo.namespace}/${echo.name}?container=echo-server to be listening, but it is not; listening tcp sockets: 0.0.0.0:8080`,
    );
  }, 120_000);

  test('port-forward reaches the service through its first ready endpoint, and fails readably for a missing pod', async () => {
    await using echo = await EchoServer.deploy();
    await using forward = await portForward({ namespace: echo.namespace, service: echo.name, port: 'http' });
    expect(forward.pod).toBe(echo.name);
    expect(forward.remotePort).toBe(8080);
    const health = await axios.get(`${forward.url}/healthz`);
    expect([health.status, health.data]).toEqual([200, 'ok\n']);
    const failure = await portForward({ namespace: echo.namespace, pod: 'no-such-pod', port: 80 }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(PortForwardError);
    expect((failure as Error).message).toMatch(
      new RegExp(`^cannot port-forward to pod ${echo.namespace}/no-such-pod port 80: .*404`),
    );
    await forward.close();
    await expect(axios.get(`${forward.url}/healthz`, { timeout: 2_000 })).rejects.toThrow();
  }, 120_000);

  test("a forward to a service waits for its EndpointSlice (which lags the pod's readiness), and names a service with none", async () => {
    await using echo = await EchoServer.deploy();
    const { core, objects } = kubeClients();
    const service = (name: string, instance: string) =>
      core.createNamespacedService({
        namespace: echo.namespace,
        body: {
          metadata: { name },
          spec: {
            selector: { 'app.kubernetes.io/instance': instance, 'app.kubernetes.io/name': 'echo-server' },
            ports: [{ name: 'http', port: 80, targetPort: 'http' }],
          },
        },
      });
    // a Service whose ready endpoint shows only after the forward was asked for
    await service(`${echo.name}-late`, 'not-yet');
    const asked = performance.now();
    const pending = portForward({ namespace: echo.namespace, service: `${echo.name}-late`, port: 80 });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await mergePatch(objects, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `${echo.name}-late`, namespace: echo.namespace },
      spec: { selector: { 'app.kubernetes.io/instance': echo.name } },
    });
    await using late = await pending;
    expect(performance.now() - asked).toBeGreaterThan(1_500);
    expect([late.pod, late.remotePort]).toEqual([echo.name, 8080]);
    expect((await axios.get(`${late.url}/healthz`)).data).toBe('ok\n');

    await service(`${echo.name}-none`, 'no-such-instance');
    const started = performance.now();
    const none = await portForward(
      { namespace: echo.namespace, service: `${echo.name}-none`, port: 'http' },
      { timeout: 2_000 },
    ).catch((error: unknown) => error);
    expect(none).toBeInstanceOf(PortForwardError);
    expect((none as Error).message).toBe(
      `service ${echo.namespace}/${echo.name}-none has no ready endpoint to forward to after 2 s\n` +
        '  hint: its pods did not turn ready (wait for them first) or its selector matches none',
    );
    expect(performance.now() - started).toBeLessThan(10_000);
    await Promise.all(
      ['late', 'none'].map((suffix) =>
        core.deleteNamespacedService({ name: `${echo.name}-${suffix}`, namespace: echo.namespace }),
      ),
    );
  }, 120_000);
});
