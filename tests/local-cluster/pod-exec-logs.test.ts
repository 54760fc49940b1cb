import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { mark } from '../../testsupport/index.ts';
import { waitUntil } from '../../testsupport/kube/wait-until.ts';
import { busyboxImage, busyboxPod, clusterKubeConfig, execInPod, runPod, TestNamespace } from './local-cluster.ts';

let kubeConfig: KubeConfig;
let core: CoreV1Api;
let namespace: TestNamespace;
const pod = 'talker';

mark('chart_deploy').describe('local cluster: exec into a pod and read its logs', () => {
  beforeAll(async () => {
    kubeConfig = clusterKubeConfig();
    core = kubeConfig.makeApiClient(CoreV1Api);
    namespace = await TestNamespace.create(core, 'exec');
    // stderr first, then a pause: the two streams reach the log through separate pipes
    const script = 'echo to-stderr >&2; sleep 1; for i in 1 2 3; do echo "line-$i of $HOSTNAME"; done; exec sleep 3600';
    await runPod(core, namespace.name, busyboxPod(pod, await busyboxImage(core), script));
  }, 90_000);

  afterAll(async () => {
    await namespace?.delete();
  });

  test('exec returns the command output and a Success status', async () => {
    const result = await execInPod(kubeConfig, namespace.name, pod, ['sh', '-c', 'echo $((6 * 7)); cat /etc/hostname']);
    expect(result.status.status).toBe('Success');
    expect(result.stdout).toBe(`42\n${pod}\n`);
    expect(result.stderr).toBe('');
  });

  test('exec reports stderr and a non-zero exit code as a Failure', async () => {
    const result = await execInPod(kubeConfig, namespace.name, pod, ['sh', '-c', 'echo oops >&2; exit 3']);
    expect(result.status.status).toBe('Failure');
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toBe('oops\n');
  });

  test('exec of a missing program fails', async () => {
    const result = await execInPod(kubeConfig, namespace.name, pod, ['/no/such/program']).catch((e: unknown) => e);
    // containerd refuses to start it: either a Failure status or a rejected exec, never a success
    if (result instanceof Error) expect(result.message).toBeTruthy();
    else expect((result as { status: { status?: string } }).status.status).toBe('Failure');
  });

  test('logs hold the container output, stdout and stderr', async () => {
    const expected = `to-stderr\nline-1 of ${pod}\nline-2 of ${pod}\nline-3 of ${pod}\n`;
    // the pod is ready a moment before its script has printed everything: wait for the full log
    const logs = await waitUntil(
      async () => {
        const text = await core.readNamespacedPodLog({ name: pod, namespace: namespace.name, container: 'main' });
        return text.split('\n').length > 4 ? text : undefined;
      },
      { timeout: 10_000, interval: 200, description: `pod ${pod} to print its lines` },
    );
    expect(logs).toBe(expected);
  });

  test('logs honour tailLines', async () => {
    const logs = await core.readNamespacedPodLog({ name: pod, namespace: namespace.name, tailLines: 2 });
    expect(logs).toBe(`line-2 of ${pod}\nline-3 of ${pod}\n`);
  });

  test('logs of a container the pod does not have are refused', async () => {
    await expect(
      core.readNamespacedPodLog({ name: pod, namespace: namespace.name, container: 'nope' }),
    ).rejects.toThrow(/nope|400|not valid/i);
  });
});
