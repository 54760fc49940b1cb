// The Jest matchers (registered by jest.config.ts) and `eventually`, on real probe results of this machine and
// on Pod/Deployment objects shaped as the API server returns them.
import { createServer } from 'node:net';
import { afterAll, expect, test } from '@jest/globals';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { EventuallyTimeoutError, eventually } from '../../testsupport/context/eventually.ts';
import { mark } from '../../testsupport/index.ts';
import { host } from '../../testsupport/probes/host.ts';

const local = host('local://');
afterAll(() => local.close());

function pod(ready: boolean, containers: Record<string, 'running' | 'waiting'>): V1Pod {
  return {
    kind: 'Pod',
    metadata: { name: 'web-0', namespace: 'ci' },
    spec: { containers: Object.keys(containers).map((name) => ({ name })) },
    status: {
      phase: 'Running',
      conditions: [
        { type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? undefined : 'ContainersNotReady' },
      ],
      containerStatuses: Object.entries(containers).map(([name, state]) => ({
        name,
        image: 'x',
        imageID: '',
        ready: state === 'running' && ready,
        restartCount: 0,
        state:
          state === 'running' ? { running: { startedAt: new Date() } } : { waiting: { reason: 'CrashLoopBackOff' } },
      })),
    },
  };
}

function failureOf(assertion: () => unknown): string {
  try {
    assertion();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the assertion passed');
}

mark('no_deploy').describe('matchers', () => {
  test('toBeReady on pods and deployments, with the reason when not', () => {
    expect(pod(true, { app: 'running' })).toBeReady();
    expect(pod(false, { app: 'running', sidecar: 'waiting' })).not.toBeReady();
    expect(failureOf(() => expect(pod(false, { app: 'waiting' })).toBeReady())).toBe(
      'expected Pod ci/web-0 to be ready, but it has phase Running, Ready=False (ContainersNotReady); containers app: CrashLoopBackOff',
    );
    const deployment: V1Deployment = {
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'ci', generation: 2 },
      spec: { replicas: 2, selector: {}, template: {} },
      status: { observedGeneration: 2, readyReplicas: 1, updatedReplicas: 2 },
    };
    expect(failureOf(() => expect(deployment).toBeReady())).toBe(
      'expected Deployment ci/api to be ready, but it has 1/2 replicas ready, 2 updated',
    );
    expect({ ...deployment, status: { ...deployment.status, readyReplicas: 2 } }).toBeReady();
    expect({ ...deployment, status: { observedGeneration: 1, readyReplicas: 2, updatedReplicas: 2 } }).not.toBeReady();
  });

  test('toHaveRunningContainers counts running containers', () => {
    expect(pod(true, { app: 'running', sidecar: 'running' })).toHaveRunningContainers(2);
    expect(failureOf(() => expect(pod(false, { app: 'running', sidecar: 'waiting' })).toHaveRunningContainers(2))).toBe(
      'expected Pod ci/web-0 to have 2 running containers, but 1 is running (app: running, sidecar: waiting (CrashLoopBackOff))',
    );
  });

  test('toBeListening and toExist on real probe results', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      expect(await local.socket(`tcp://${port}`)).toBeListening();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const closed = await local.socket(`tcp://127.0.0.1:${port}`);
    expect(closed).not.toBeListening();
    expect(failureOf(() => expect(closed).toBeListening())).toMatch(
      new RegExp(
        `^expected socket tcp://127.0.0.1:${port} on local:// to be listening, but it is not; (listening tcp sockets: .+|no tcp socket is listening)$`,
      ),
    );
    expect(await local.file('/etc/passwd')).toExist();
    expect(await local.user('root')).toExist();
    expect(await local.group('root')).toExist();
    expect(await local.package('coreutils')).toExist();
    expect(failureOf(() => expect({ ...{} }).toExist())).toContain('toExist: expected a FileState');
  });

  test('toExist failures say what was found instead', async () => {
    const missingFile = await local.file('/surely/not/here');
    expect(failureOf(() => expect(missingFile).toExist())).toBe(
      'expected file /surely/not/here on local:// to exist, but it is nothing (No such file or directory)',
    );
    const missingUser = await local.user('nobody-here-x');
    expect(failureOf(() => expect(missingUser).toExist())).toBe(
      'expected user nobody-here-x on local:// to exist, but there is no such user in /etc/passwd',
    );
    const missingPackage = await local.package('surely-no-such-package');
    expect(failureOf(() => expect(missingPackage).toExist())).toBe(
      'expected package surely-no-such-package on local:// to be installed, but dpkg does not have it installed',
    );
  });

  test('toContainLogLine on text, lines and records', () => {
    expect('a\nstarted in 3 ms\nb\n').toContainLogLine('started in');
    expect(['x', 'y']).not.toContainLogLine('z');
    expect([{ message: 'db ready' }]).toContainLogLine('db ready');
    expect(failureOf(() => expect('one\ntwo\n').toContainLogLine('three'))).toBe(
      'expected the log (2 lines) to contain a line with "three", but none has it; the last lines:\n    one\n    two',
    );
  });

  test('eventually retries until the assertion passes and returns its value', async () => {
    let calls = 0;
    const value = await eventually(
      () => {
        calls += 1;
        expect(calls).toBeGreaterThanOrEqual(3);
        return calls;
      },
      { timeout: 2_000, interval: 10 },
    );
    expect(value).toBe(3);
  });

  test('eventually gives up at the deadline with the last failure as the message', async () => {
    let calls = 0;
    const started = Date.now();
    const failure = await eventually(
      () => {
        calls += 1;
        expect(`attempt ${calls}`).toContainLogLine('never');
      },
      { timeout: 2_000, interval: 50 },
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EventuallyTimeoutError);
    expect((failure as Error).message).toMatch(
      new RegExp(
        `^expected the log \\(1 lines\\) to contain a line with "never", but none has it; the last lines:\\n    attempt ${calls}\\n`,
      ),
    );
    expect((failure as Error).message).toContain(`still failing after ${calls} attempts`);
    // it retried, and started no attempt past the deadline (attempts are at least an interval apart); the wall bound
    // only catches one that goes on, with room for a loaded machine's late timers
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(calls).toBeLessThanOrEqual(2_000 / 50 + 1);
    expect(Date.now() - started).toBeLessThan(12_000);
  });

  test('eventually stops when its signal aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop now')), 50);
    await expect(
      eventually(() => expect(1).toBe(2), { timeout: 5_000, interval: 10, signal: controller.signal }),
    ).rejects.toThrow('stop now');
  });
});
