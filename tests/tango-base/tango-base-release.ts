// A release of charts/tango-base in its own namespace, for the tango-base deploy tests and bench: a ChartDeployment
// (install, readiness with fail-fast reasons, diagnostics of failing tests, uninstall) plus what Tango needs:
// client pods with this release's TANGO_HOST, helm test, and the namespace created and deleted around it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { ChartDeployment } from '../../testsupport/cluster/chart-deployment.ts';
import {
  createdAtAnnotation,
  expiresAtAnnotation,
  managedByLabel,
  managedByValue,
  runIdLabel,
} from '../../testsupport/cluster/namespace-ownership.ts';
// Direct imports (not index.ts, which pulls in Jest): bench/tango-base.ts uses this class outside Jest.
import { loadOptions } from '../../testsupport/config/options.ts';
import { ChartTestwareError } from '../../testsupport/errors.ts';
import type { HelmTestResult } from '../../testsupport/helm/helm-test-adaptor.ts';
import { apiStatus, type KubeClients, kubeClients } from '../../testsupport/kube/kube-clients.ts';

/** A tango-base release did not reach the state a test waits for; the message carries the pods' state. */
export class TangoBaseNotReadyError extends ChartTestwareError {}

interface ImageValues {
  registry: string;
  image: string;
  tag: string;
  pullPolicy: string;
}

const components = ['tangodb', 'databaseds', 'tangotest', 'itango'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class TangoBaseRelease {
  readonly namespace: string;
  readonly release: string;
  readonly chartDir: string;
  readonly tangoHost: string;
  private readonly kube: KubeClients;
  private readonly clientImage: ImageValues;
  private deployment: ChartDeployment | undefined;

  private constructor(chartDir: string, namespace: string, release: string, clientImage: ImageValues) {
    this.chartDir = chartDir;
    this.namespace = namespace;
    this.release = release;
    this.tangoHost = `databaseds-tango-base-${release}:10000`;
    this.kube = kubeClients();
    this.clientImage = clientImage;
  }

  /** Creates the namespace; the release is installed by install(). */
  static async create(options: { chartDir: string; namespace: string; release: string }): Promise<TangoBaseRelease> {
    const values = parse(await readFile(path.join(options.chartDir, 'values.yaml'), 'utf8')) as {
      databaseds: { image: ImageValues };
    };
    const stack = new TangoBaseRelease(options.chartDir, options.namespace, options.release, values.databaseds.image);
    // Labelled like the run's job namespaces, so `npm run janitor` removes it should this run die before cleanup.
    const run = loadOptions();
    const now = Date.now();
    await stack.kube.core.createNamespace({
      body: {
        metadata: {
          name: options.namespace,
          labels: { [managedByLabel]: managedByValue, [runIdLabel]: run.runId, 'chart-testware.io/test': 'tango-base' },
          annotations: {
            [createdAtAnnotation]: new Date(now).toISOString(),
            [expiresAtAnnotation]: new Date(now + run.timeouts.namespaceTtlMs).toISOString(),
          },
        },
      },
    });
    return stack;
  }

  static isReady(pod: V1Pod): boolean {
    return (
      pod.status?.phase === 'Running' &&
      (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
    );
  }

  /** helm install without waiting: the tests watch readiness themselves, to measure it. */
  async install(values: Record<string, unknown> = {}): Promise<void> {
    this.deployment = await ChartDeployment.install(this.chartDir, {
      namespace: this.namespace,
      releaseName: this.release,
      values,
      wait: false,
      timeout: 120_000,
    });
  }

  private get installed(): ChartDeployment {
    if (!this.deployment) throw new ChartTestwareError(`tango-base release ${this.release} is not installed`);
    return this.deployment;
  }

  /** `helm test` with the test pods' logs; throws a HelmCommandError (with the output) when a test fails. */
  helmTest(): Promise<HelmTestResult> {
    return this.installed.helm.test(this.release, { timeout: 180_000 });
  }

  /** Every object of the release ready (ChartDeployment's wait: fails fast with the reason when one cannot be). */
  async waitReleaseReady(options: { timeoutMs: number }): Promise<void> {
    await this.installed.waitReady({ timeout: options.timeoutMs });
  }

  /** The component pods of the release (hook and test pods left out). */
  async releasePods(): Promise<V1Pod[]> {
    const list = await this.kube.core.listNamespacedPod({
      namespace: this.namespace,
      labelSelector: `app.kubernetes.io/instance=${this.release},app.kubernetes.io/component in (${components.join(',')})`,
    });
    return list.items;
  }

  async podOf(component: string): Promise<V1Pod> {
    const pod = (await this.releasePods()).find(
      (p) => p.metadata?.labels?.['app.kubernetes.io/component'] === component,
    );
    if (!pod) throw new TangoBaseNotReadyError(`no ${component} pod in namespace ${this.namespace}`);
    return pod;
  }

  async restartCount(component: string): Promise<number> {
    const pod = await this.podOf(component);
    return (pod.status?.containerStatuses ?? []).reduce((sum, c) => sum + c.restartCount, 0);
  }

  async deletePod(component: string): Promise<void> {
    const pod = await this.podOf(component);
    await this.kube.core.deleteNamespacedPod({ name: pod.metadata?.name ?? '', namespace: this.namespace });
  }

  async podLog(name: string): Promise<string> {
    return await this.kube.core.readNamespacedPodLog({ name, namespace: this.namespace });
  }

  async waitFor(what: string, check: () => Promise<boolean>, options: { timeoutMs: number }): Promise<void> {
    const deadline = Date.now() + options.timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) {
        throw new TangoBaseNotReadyError(
          `timed out after ${options.timeoutMs / 1000} s waiting for ${what} in namespace ${this.namespace}\n` +
            (await this.describe()),
          { hint: 'the pod states above name the container that is not ready and why' },
        );
      }
      await sleep(250);
    }
  }

  async waitAllReady(options: { timeoutMs: number }): Promise<void> {
    await this.waitFor(
      'every tango-base pod to be Ready',
      async () => {
        const pods = await this.releasePods();
        return pods.length > 0 && pods.every((p) => TangoBaseRelease.isReady(p));
      },
      options,
    );
  }

  /**
   * Runs `script` (bash) to completion in a fresh pod of the tango-cs image with this release's TANGO_HOST.
   * Returns the pod, its log and when it was seen finished; throws when it fails or times out.
   */
  async runClientPod(
    name: string,
    script: string,
    env: Record<string, string>,
    options: { timeoutMs: number },
  ): Promise<{ pod: V1Pod; log: string; observedMs: number }> {
    const image = this.clientImage;
    await this.kube.core.createNamespacedPod({
      namespace: this.namespace,
      body: {
        metadata: { name, labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'test-client' } },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          activeDeadlineSeconds: Math.ceil(options.timeoutMs / 1000),
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 },
          containers: [
            {
              name: 'client',
              image: `${image.registry}/${image.image}:${image.tag}`,
              imagePullPolicy: image.pullPolicy,
              command: ['bash', '-c', script],
              env: [
                { name: 'TANGO_HOST', value: this.tangoHost },
                ...Object.entries(env).map(([n, value]) => ({ name: n, value })),
              ],
              resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    });
    let pod: V1Pod | undefined;
    await this.waitFor(
      `client pod ${name} to finish`,
      async () => {
        pod = await this.kube.core.readNamespacedPod({ name, namespace: this.namespace });
        return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
      },
      { timeoutMs: options.timeoutMs + 10_000 },
    );
    const observedMs = Date.now();
    const log = await this.podLog(name);
    if (pod?.status?.phase !== 'Succeeded') {
      throw new TangoBaseNotReadyError(`client pod ${name} failed:\n${log}\n${await this.describe()}`);
    }
    return { pod: pod as V1Pod, log, observedMs };
  }

  /** One line per pod and container: phase, readiness, restarts, waiting/terminated reasons; then warnings. */
  async describe(): Promise<string> {
    const lines: string[] = [];
    try {
      const pods = await this.kube.core.listNamespacedPod({ namespace: this.namespace });
      for (const pod of pods.items) {
        lines.push(`pod ${pod.metadata?.name}: ${pod.status?.phase}${TangoBaseRelease.isReady(pod) ? ', Ready' : ''}`);
        const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
        for (const c of statuses) {
          const waiting = c.state?.waiting
            ? ` waiting: ${c.state.waiting.reason} ${c.state.waiting.message ?? ''}`
            : '';
          const last = c.lastState?.terminated
            ? ` last exit ${c.lastState.terminated.exitCode} (${c.lastState.terminated.reason})`
            : '';
          lines.push(`  container ${c.name}: ready=${c.ready} restarts=${c.restartCount}${waiting}${last}`);
        }
      }
      const events = await this.kube.core.listNamespacedEvent({ namespace: this.namespace });
      for (const e of events.items.filter((e) => e.type === 'Warning').slice(-15)) {
        lines.push(`event ${e.involvedObject.kind}/${e.involvedObject.name}: ${e.reason}: ${e.message}`);
      }
    } catch (error) {
      lines.push(`(could not describe namespace ${this.namespace}: ${(error as Error).message})`);
    }
    return lines.join('\n');
  }

  /** helm uninstall (its post-delete hook removes the database directory), then the namespace, waited for. */
  async uninstall(): Promise<void> {
    const problems: string[] = [];
    if (this.deployment) {
      try {
        await this.deployment.uninstall({ timeout: 150_000 });
      } catch (error) {
        problems.push(`helm uninstall ${this.release}: ${(error as Error).message}`);
      }
      this.deployment = undefined;
    }
    try {
      await this.kube.core.deleteNamespace({ name: this.namespace });
    } catch (error) {
      if (apiStatus(error) !== 404) problems.push(`deleting namespace ${this.namespace}: ${(error as Error).message}`);
    }
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        await this.kube.core.readNamespace({ name: this.namespace });
      } catch (error) {
        if (apiStatus(error) === 404) break;
        throw error;
      }
      if (Date.now() > deadline) {
        problems.push(`namespace ${this.namespace} still exists 120 s after deletion`);
        break;
      }
      await sleep(500);
    }
    if (problems.length > 0) {
      throw new ChartTestwareError(`cleaning up tango-base release ${this.release}: ${problems.join('; ')}`, {
        hint: `remove what is left with: kubectl delete namespace ${this.namespace}`,
      });
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.uninstall();
  }
}
