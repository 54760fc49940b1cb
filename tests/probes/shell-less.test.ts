// Images with no shell and no tools: the cluster's pause image (one static binary). Plain exec probes say so;
// the ephemeral-debug-container backend probes them anyway.
import { randomBytes } from 'node:crypto';
import { expect, test } from '@jest/globals';
import { jobNamespace } from '../../testsupport/cluster/job-namespace.ts';
import { waitForPod } from '../../testsupport/cluster/wait-ready.ts';
import { EchoServer } from '../../testsupport/extras/echo-server.ts';
import { mark } from '../../testsupport/index.ts';
import { kubeClients } from '../../testsupport/kube/kube-clients.ts';
import { host } from '../../testsupport/probes/host.ts';
import { MissingProgramError, ProbeError } from '../../testsupport/probes/probe-error.ts';

async function pausePod(): Promise<AsyncDisposable & { namespace: string; name: string }> {
  const namespace = await jobNamespace();
  const name = `shell-less-${randomBytes(3).toString('hex')}`;
  const { core } = kubeClients();
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name },
      spec: {
        automountServiceAccountToken: false,
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'pause', image: 'chart-testware.local/pause:3.10-ct1', imagePullPolicy: 'IfNotPresent' }],
      },
    },
  });
  const remove = async () => {
    await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 });
  };
  await waitForPod(name, namespace, { timeout: 60_000 }).catch(async (error: unknown) => {
    await remove();
    throw error;
  });
  return { namespace, name, [Symbol.asyncDispose]: remove };
}

/** The busybox image the local cluster imported (its tag follows the host's Debian package version). */
async function busyboxImage(): Promise<string> {
  const nodes = await kubeClients().core.listNode();
  const names = nodes.items.flatMap((node) => (node.status?.images ?? []).flatMap((image) => image.names ?? []));
  const busybox = names.find((name) => name.startsWith('chart-testware.local/busybox:'));
  if (!busybox) throw new Error(`no chart-testware.local/busybox image on the nodes (have: ${names.join(', ')})`);
  return busybox;
}

mark('chart_deploy').describe('probes on a shell-less image', () => {
  test('a file probe over exec fails with an error that names the missing program and the missing shell', async () => {
    await using pod = await pausePod();
    await using target = host(`kube://${pod.namespace}/${pod.name}`);
    const failure = await target.file('/etc/passwd').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MissingProgramError);
    const message = (failure as Error).message;
    expect(message).toMatch(
      new RegExp(
        `^command \\["stat",.*\\] on kube://${pod.namespace}/${pod.name}\\?container=pause: \`stat\` does not exist in the container`,
      ),
    );
    expect(message).toContain('the image has no shell (sh) either: it looks shell-less (distroless or scratch)');
    expect(message).toContain('hint: probe it from an ephemeral debug container: host(uri, { debugImage:');
  }, 120_000);

  test('an ephemeral debug container probes the shell-less container: its files, processes and sockets', async () => {
    await using pod = await pausePod();
    const started = performance.now();
    await using target = host(`kube://${pod.namespace}/${pod.name}`, { debugImage: await busyboxImage() });
    // /pause exists only in the target's image, /bin/busybox only in the debug image.
    const pause = await target.file('/pause');
    process.stderr.write(
      `[probes] debug container start + first probe: ${Math.round(performance.now() - started)} ms\n`,
    );
    expect(pause).toMatchObject({ exists: true, isFile: true });
    expect(await target.file('/bin/busybox')).not.toExist();
    expect(await target.process({ pid: 1 })).toMatchObject({ comm: 'pause', uid: 65535 });
    expect(await target.socket('tcp://8080')).not.toBeListening();
    // The pause image has no /etc/passwd at all: a readable probe error, not a wrong answer.
    const noPasswd = await target.user('root').catch((error: unknown) => error);
    expect(noPasswd).toBeInstanceOf(ProbeError);
    expect((noPasswd as Error).message).toContain('user root on kube://');
    expect((noPasswd as Error).message).toContain('cannot read /etc/passwd');
  }, 120_000);

  test('the debug backend sees the target image, not its own: echo-server users, packages and sockets', async () => {
    await using echo = await EchoServer.deploy();
    await using target = host(`kube://${echo.namespace}/${echo.name}`, { debugImage: await busyboxImage() });
    expect(await target.socket('tcp://8080')).toBeListening();
    expect(target.uri).toContain('?container=echo-server&debug=');
    expect(await target.user('echo')).toMatchObject({ exists: true, uid: 10001 });
    expect(await target.process({ command: 'node' })).toMatchObject({ user: 'echo', uid: 10001 });
    expect(await target.file('/app/server.ts')).toMatchObject({ isFile: true, user: 'root' });
    const libc = await target.package('libc6');
    expect(libc).toMatchObject({ manager: 'dpkg', isInstalled: true });
    expect(libc.version).toMatch(/^2\.36-/);
    expect(await target.package('procps')).not.toExist();
  }, 120_000);
});
