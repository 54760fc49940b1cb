// Test fixture: an sshd pod (chart-testware.local/sshd) whose user `tester` accepts one public key, mounted
// from a Secret into /etc/ssh/authorized-keys.d/ as the image expects (images/sshd/entrypoint.sh), and a
// password too when one is given.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { jobNamespace } from '../../testsupport/cluster/job-namespace.ts';
import { waitForPod } from '../../testsupport/cluster/wait-ready.ts';
import { apiStatus, kubeClients } from '../../testsupport/kube/kube-clients.ts';

export interface SshdPod extends AsyncDisposable {
  readonly namespace: string;
  readonly name: string;
  readonly podIp: string;
}

export function sshdImage(): string {
  const conf = readFileSync(path.resolve(import.meta.dirname, '../../images/sshd/image.conf'), 'utf8');
  return `chart-testware.local/sshd:${/^TAG=(\S+)$/m.exec(conf)?.[1]}`;
}

export async function deploySshdPod(authorizedKey: string, login: { password?: string } = {}): Promise<SshdPod> {
  const namespace = await jobNamespace();
  const name = `sshd-${randomBytes(4).toString('hex')}`;
  const { core } = kubeClients();
  const labels = { 'app.kubernetes.io/name': 'sshd', 'app.kubernetes.io/instance': name };
  await core.createNamespacedSecret({
    namespace,
    body: { metadata: { name, labels }, stringData: { 'tester.pub': authorizedKey } },
  });
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name, labels },
      spec: {
        automountServiceAccountToken: false,
        terminationGracePeriodSeconds: 2,
        containers: [
          {
            name: 'sshd',
            image: sshdImage(),
            imagePullPolicy: 'IfNotPresent',
            env: login.password === undefined ? [] : [{ name: 'SSH_PASSWORD', value: login.password }],
            ports: [{ name: 'ssh', containerPort: 22 }],
            readinessProbe: { tcpSocket: { port: 'ssh' }, periodSeconds: 1 },
            resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
            volumeMounts: [{ name: 'keys', mountPath: '/etc/ssh/authorized-keys.d', readOnly: true }],
          },
        ],
        volumes: [{ name: 'keys', secret: { secretName: name } }],
      },
    },
  });
  const remove = async () => {
    const quiet = (error: unknown) => {
      if (apiStatus(error) !== 404) throw error;
    };
    await Promise.all([
      core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }).catch(quiet),
      core.deleteNamespacedSecret({ name, namespace }).catch(quiet),
    ]);
  };
  try {
    await waitForPod(name, namespace, { timeout: 120_000 });
  } catch (error) {
    await remove();
    throw error;
  }
  const pod = await core.readNamespacedPod({ name, namespace });
  const podIp = pod.status?.podIP;
  if (!podIp) throw new Error(`pod ${namespace}/${name} is ready but has no IP`);
  return { namespace, name, podIp, [Symbol.asyncDispose]: remove };
}
