// Shared pieces of the local-cluster tests: the cluster's kubeconfig, throw-away namespaces, busybox pods.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type CoreV1Api, Exec, KubeConfig, type V1Pod, type V1PodSpec, type V1Status } from '@kubernetes/client-node';
import { loadKubeConfig } from '../../testsupport/api/kube.ts';
import { giveUp, waitUntil } from '../../testsupport/kube/wait-until.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const embeddedClusterName = 'chart-testware-local';

/**
 * The run's kubeconfig (KUBECONFIG, --kubeconfig or the default lookup); with none at all, the embedded local
 * cluster's admin kubeconfig (`scripts/cluster.sh kubeconfig`).
 */
export function clusterKubeConfig(): KubeConfig {
  try {
    return loadKubeConfig();
  } catch (error) {
    if (process.env.KUBECONFIG) throw error;
    const out = execFileSync('bash', [path.join(repoRoot, 'scripts/cluster.sh'), 'kubeconfig'], { encoding: 'utf8' });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(out.trim().split('\n').at(-1) ?? '');
    return kubeConfig;
  }
}

/** Whether the kubeconfig points at the embedded local cluster (scripts/cluster.sh), not a user's cluster. */
export function isEmbeddedCluster(kubeConfig: KubeConfig): boolean {
  const cluster = kubeConfig.getCurrentCluster();
  return cluster?.name === embeddedClusterName && cluster.server === 'https://127.0.0.1:6443';
}

/** A namespace of its own for a test file, deleted (without waiting) on dispose. */
export class TestNamespace {
  readonly name: string;
  readonly core: CoreV1Api;

  private constructor(name: string, core: CoreV1Api) {
    this.name = name;
    this.core = core;
  }

  static async create(core: CoreV1Api, purpose: string): Promise<TestNamespace> {
    const name = `ct-lc-${purpose}-${randomBytes(3).toString('hex')}`;
    await core.createNamespace({
      body: { metadata: { name, labels: { 'chart-testware.io/test-suite': 'local-cluster' } } },
    });
    return new TestNamespace(name, core);
  }

  async delete(): Promise<void> {
    await this.core.deleteNamespace({ name: this.name }).catch(() => undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.delete();
  }
}

/**
 * The busybox image to run: $CT_TEST_BUSYBOX_IMAGE, else the chart-testware.local/busybox image the node reports
 * (the embedded cluster imports it at `up`).
 */
export async function busyboxImage(core: CoreV1Api): Promise<string> {
  if (process.env.CT_TEST_BUSYBOX_IMAGE) return process.env.CT_TEST_BUSYBOX_IMAGE;
  return waitUntil(
    async () => {
      const nodes = await core.listNode();
      for (const node of nodes.items) {
        for (const image of node.status?.images ?? []) {
          const ref = image.names?.find((n) => n.startsWith('chart-testware.local/busybox:'));
          if (ref) return ref;
        }
      }
      return undefined;
    },
    {
      timeout: 30_000,
      interval: 1_000,
      description:
        'a node to report a chart-testware.local/busybox image (`npm run cluster:up` imports it; on another ' +
        'cluster set CT_TEST_BUSYBOX_IMAGE to a busybox image the nodes have)',
    },
  );
}

/** A busybox pod running `script` with sh, quick to stop. */
export function busyboxPod(
  name: string,
  image: string,
  script: string,
  extra: Partial<V1PodSpec> = {},
  labels: Record<string, string> = {},
): V1Pod {
  return {
    metadata: { name, labels: { app: name, ...labels } },
    spec: {
      terminationGracePeriodSeconds: 1,
      restartPolicy: 'Never',
      containers: [
        {
          name: 'main',
          image,
          imagePullPolicy: 'IfNotPresent',
          command: ['sh', '-c', script],
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
        },
      ],
      ...extra,
    },
  };
}

const unrecoverable = new Set(['ErrImageNeverPull', 'ImagePullBackOff', 'ErrImagePull', 'CreateContainerConfigError']);

/** Creates the pod and waits until it runs with every container ready; fails at once on image problems. */
export async function runPod(core: CoreV1Api, namespace: string, pod: V1Pod, timeout = 60_000): Promise<V1Pod> {
  await core.createNamespacedPod({ namespace, body: pod });
  const name = pod.metadata?.name ?? '';
  return waitUntil(
    async () => {
      const current = await core.readNamespacedPod({ name, namespace });
      for (const status of current.status?.containerStatuses ?? []) {
        const reason = status.state?.waiting?.reason;
        if (reason && unrecoverable.has(reason)) {
          giveUp(`pod ${namespace}/${name}: ${reason}: ${status.state?.waiting?.message ?? ''}`);
        }
      }
      if (current.status?.phase === 'Failed' || current.status?.phase === 'Succeeded') {
        giveUp(`pod ${namespace}/${name} ended (${current.status.phase}) before it was ready`);
      }
      const ready = current.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      return current.status?.phase === 'Running' && ready ? current : undefined;
    },
    { timeout, interval: 250, description: `pod ${namespace}/${name} to run and be ready` },
  );
}

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly status: V1Status;
  /** The command's exit code (0 on success; from the status details otherwise). */
  readonly exitCode: number;
}

/** Runs `command` in the pod's first container through the API server's exec subresource. */
export async function execInPod(
  kubeConfig: KubeConfig,
  namespace: string,
  pod: string,
  command: string[],
  timeout = 30_000,
): Promise<ExecResult> {
  let stdout = '';
  let stderr = '';
  const out = new Writable({
    write(chunk, _encoding, done) {
      stdout += chunk.toString();
      done();
    },
  });
  const err = new Writable({
    write(chunk, _encoding, done) {
      stderr += chunk.toString();
      done();
    },
  });
  const status = await new Promise<V1Status>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`exec ${command.join(' ')} in ${pod}: no status in ${timeout} ms`)),
      timeout,
    );
    new Exec(kubeConfig)
      .exec(namespace, pod, 'main', command, out, err, null, false, (s) => {
        clearTimeout(timer);
        resolve(s);
      })
      .catch((error: unknown) => {
        clearTimeout(timer);
        reject(error);
      });
  });
  // the status can arrive before the last output frames have been written
  await new Promise((resolve) => setImmediate(resolve));
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const exitCode = status.status === 'Success' ? 0 : Number(cause?.message ?? -1);
  return { stdout, stderr, status, exitCode };
}
