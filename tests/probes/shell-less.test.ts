// A probe on an image with no shell and no coreutils (the cluster's pause image: one static binary) says so.
import { randomBytes } from 'node:crypto';
import { expect, test } from '@jest/globals';
import { jobNamespace } from '../../testsupport/cluster/job-namespace.ts';
import { waitForPod } from '../../testsupport/cluster/wait-ready.ts';
import { mark } from '../../testsupport/index.ts';
import { kubeClients } from '../../testsupport/kube/kube-clients.ts';
import { host } from '../../testsupport/probes/host.ts';
import { MissingProgramError } from '../../testsupport/probes/probe-error.ts';

mark('chart_deploy').describe('probes on a shell-less image', () => {
  test('a file probe fails with an error that names the missing program and the missing shell', async () => {
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
    try {
      await waitForPod(name, namespace, { timeout: 60_000 });
      await using target = host(`kube://${namespace}/${name}`);
      const failure = await target.file('/etc/passwd').catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(MissingProgramError);
      const message = (failure as Error).message;
      expect(message).toMatch(
        new RegExp(`^command \\["stat",.*\\] on kube://${namespace}/${name}\\?container=pause: \`stat\` does not exist in the container`),
      );
      expect(message).toContain('the image has no shell (sh) either: it looks shell-less (distroless or scratch)');
      expect(message).toContain('hint: probe it from a sidecar or an ephemeral debug container');
    } finally {
      await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 });
    }
  });
});
