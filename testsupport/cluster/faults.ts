import {
  type KubernetesObject,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
  type V1Service,
} from '@kubernetes/client-node';
import type { RunOptions } from '../config/options.ts';
import { ChartTestwareError } from '../errors.ts';
import { apiStatus, kubeClients, mergePatch } from '../kube/kube-clients.ts';
import { execInPod } from '../kube/pod-exec.ts';
import { runContext } from '../kube/run-context.ts';
import { waitUntil } from '../kube/wait-until.ts';
import { record } from '../record/recorder.ts';

/** What faults act on: a ChartDeployment. */
export interface FaultTarget {
  readonly namespace: string;
  readonly releaseName: string;
  readonly options: RunOptions;
  resources<T extends KubernetesObject = KubernetesObject>(kind: string, apiVersion?: string): Promise<T[]>;
  pod(prefix?: string): Promise<V1Pod>;
}

/** One fault that was done; `undo()` restores what it changed (idempotent; a no-op for faults the cluster heals). */
export interface Fault {
  readonly label: string;
  undo(): Promise<void>;
}

/** A fault could not be done, or did not take effect within its bound. */
export class FaultError extends ChartTestwareError {}

type WorkloadKind = 'Deployment' | 'StatefulSet';
const faultLabel = 'chart-testware.io/fault-cut';
const effectTimeoutMs = 60_000;

/**
 * Small, safe faults on a release under test: delete a pod, restart or scale a workload, cut a Service off its
 * endpoints, kill a container's main process. Each waits until it has taken effect, is recorded on the test's
 * timeline, and is undone when the faults are disposed (last first, also when the test failed):
 * `await using faults = deployment.faults()`. Assert the recovery with `expect(deployment).toRecoverWithin(ms)`.
 */
export class ReleaseFaults implements AsyncDisposable {
  readonly #target: FaultTarget;
  readonly #done: Fault[] = [];

  constructor(target: FaultTarget) {
    this.#target = target;
  }

  /** The faults done so far, oldest first. */
  get done(): readonly Fault[] {
    return [...this.#done];
  }

  /** Deletes a pod (by name, or the first whose name starts with it); returns once that pod is gone. */
  async deletePod(pod: string): Promise<Fault> {
    const victim = await this.#target.pod(pod);
    const name = victim.metadata?.name ?? pod;
    const uid = victim.metadata?.uid;
    const { core } = kubeClients(this.#target.options);
    await core.deleteNamespacedPod({ name, namespace: this.#target.namespace });
    await waitUntil(
      async () => {
        const now = await core.readNamespacedPod({ name, namespace: this.#target.namespace }).catch(() => undefined);
        return now?.metadata?.uid !== uid;
      },
      { timeout: effectTimeoutMs, interval: 250, description: `pod ${name} to be deleted` },
    );
    return this.#add(`delete pod ${name}`, async () => {});
  }

  /** `kubectl rollout restart`: a new pod template annotation, so every pod is replaced; returns once it started. */
  async restart(workload: string): Promise<Fault> {
    const { kind, name } = await this.#workload(workload);
    const { objects } = kubeClients(this.#target.options);
    const patched = await mergePatch(objects, {
      apiVersion: 'apps/v1',
      kind,
      metadata: { name, namespace: this.#target.namespace },
      spec: {
        template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } },
      },
    } as KubernetesObject);
    await this.#observed(kind, name, patched.metadata?.generation ?? 0);
    // nothing to undo: the restart is the fault, and the controller brings the pods back
    return this.#add(`rollout restart ${kind}/${name}`, async () => {});
  }

  /** Scales a workload to zero and waits until its pods are gone; undo scales it back to its replicas. */
  async scaleToZero(workload: string): Promise<Fault> {
    const { kind, name, replicas } = await this.#workload(workload);
    await this.#scale(kind, name, 0);
    // registered before the wait: a fault that times out is still undone
    const fault = this.#add(`scale ${kind}/${name} to 0 (from ${replicas})`, () => this.#scale(kind, name, replicas));
    // (the API leaves out a zero status.replicas)
    await waitUntil(async () => ((await this.#read(kind, name)).status?.replicas ?? 0) === 0, {
      timeout: effectTimeoutMs,
      interval: 250,
      description: `${kind}/${name} to have no pods`,
    });
    return fault;
  }

  /**
   * Cuts a Service off its pods (adds a selector label no pod has) and waits until it has no ready endpoint. Undo
   * restores the selector; with `forMs`, that happens by itself after that long (and at the latest on dispose).
   */
  async cutEndpoints(service: string, options: { forMs?: number } = {}): Promise<Fault & { restored: Promise<void> }> {
    const { core, discovery } = kubeClients(this.#target.options);
    const namespace = this.#target.namespace;
    const found = (await this.#target.resources<V1Service>('Service')).find((s) => s.metadata?.name === service);
    if (!found) {
      throw new FaultError(
        `cutEndpoints: release ${this.#target.releaseName} has no Service ${JSON.stringify(service)}`,
        {
          hint: `its Services: ${(await this.#target.resources('Service')).map((s) => s.metadata?.name).join(', ') || 'none'}`,
        },
      );
    }
    const patchSelector = (value: string | null) =>
      core.patchNamespacedService(
        { name: service, namespace, body: { spec: { selector: { [faultLabel]: value } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    await patchSelector('cut');
    let timer: NodeJS.Timeout | undefined;
    let resolveRestored: () => void = () => {};
    const restored = new Promise<void>((resolve) => {
      resolveRestored = resolve;
    });
    // registered before the wait: a fault that times out is still undone
    const fault = this.#add(
      `cut Service ${service} off its endpoints${options.forMs ? ` for ${options.forMs} ms` : ''}`,
      async () => {
        if (timer) clearTimeout(timer);
        await patchSelector(null).catch((error: unknown) => {
          if (apiStatus(error) !== 404) throw error;
        });
        resolveRestored();
      },
    );
    await waitUntil(
      async () => {
        const slices = await discovery.listNamespacedEndpointSlice({
          namespace,
          labelSelector: `kubernetes.io/service-name=${service}`,
        });
        return slices.items.every((slice) => (slice.endpoints ?? []).every((e) => e.conditions?.ready === false));
      },
      { timeout: effectTimeoutMs, interval: 250, description: `Service ${service} to lose its endpoints` },
    );
    if (options.forMs !== undefined) {
      timer = setTimeout(() => void fault.undo().catch(() => {}), options.forMs);
      timer.unref();
    }
    return { ...fault, undo: () => fault.undo(), restored };
  }

  /**
   * Sends `signal` (default TERM) to PID 1 of a container — its main process — with the container's own `sh`, and
   * waits until the container has restarted. A main process without a handler for the signal ignores it (PID 1
   * gets only signals it handles): that is a FaultError, not a silent pass.
   */
  async killMainProcess(pod: string, options: { container?: string; signal?: string } = {}): Promise<Fault> {
    const signal = options.signal ?? 'TERM';
    if (!/^[A-Z0-9]+$/.test(signal)) {
      throw new FaultError(`killMainProcess: signal ${JSON.stringify(signal)} is not a signal name`, {
        hint: 'e.g. signal: "TERM", "INT" or "HUP"',
      });
    }
    const target = await this.#target.pod(pod);
    const name = target.metadata?.name ?? pod;
    const container = options.container ?? target.spec?.containers[0]?.name ?? '';
    const restarts = (p: V1Pod | undefined) =>
      p?.status?.containerStatuses?.find((c) => c.name === container)?.restartCount ?? 0;
    const before = restarts(target);
    const { core } = kubeClients(this.#target.options);
    const result = await execInPod(this.#target.namespace, name, ['sh', '-c', `kill -s ${signal} 1`], {
      container,
      context: runContext(this.#target.options),
    });
    if (result.exitCode !== 0 && !/terminated|exit code 137|connection|closed/i.test(result.stderr)) {
      throw new FaultError(
        `killMainProcess: kill -s ${signal} 1 in ${name}/${container} failed: ${result.stderr.trim()}`,
      );
    }
    await waitUntil(
      async () => {
        const now = await core.readNamespacedPod({ name, namespace: this.#target.namespace }).catch(() => undefined);
        return now === undefined || restarts(now) > before;
      },
      {
        timeout: effectTimeoutMs,
        interval: 250,
        description: `container ${name}/${container} to restart after SIG${signal} (PID 1 ignores signals it has no handler for)`,
      },
    ).catch((error: unknown) => {
      throw new FaultError(
        `killMainProcess: the main process of ${name}/${container} did not exit on SIG${signal}: ${(error as Error).message}`,
        { hint: 'PID 1 of a container only gets signals it handles: pick one it handles, or delete the pod instead' },
      );
    });
    return this.#add(`kill -${signal} the main process of ${name}/${container}`, async () => {});
  }

  /** Undoes every fault still in place, last first; throws after trying all if any undo failed. */
  async undoAll(): Promise<void> {
    const errors: unknown[] = [];
    for (const fault of [...this.#done].reverse()) {
      await fault.undo().catch((error: unknown) => errors.push(error));
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} faults could not be undone`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.undoAll();
  }

  #add(label: string, restore: () => Promise<unknown>): Fault {
    const lane = `release ${this.#target.releaseName}`;
    record({ kind: 'step', lane, label: `fault: ${label}`, outcome: 'warning', namespace: this.#target.namespace });
    let undone: Promise<void> | undefined;
    const fault: Fault = {
      label,
      undo: () => {
        undone ??= restore().then(
          () => record({ kind: 'step', lane, label: `undo fault: ${label}`, outcome: 'ok' }),
          (error: unknown) => {
            record({ kind: 'step', lane, label: `undo fault: ${label}`, outcome: 'failed', detail: String(error) });
            throw error;
          },
        );
        return undone;
      },
    };
    this.#done.push(fault);
    return fault;
  }

  async #workload(workload: string): Promise<{ kind: WorkloadKind; name: string; replicas: number }> {
    const [kindGiven, nameGiven] = workload.includes('/') ? workload.split('/', 2) : [undefined, workload];
    const kinds: WorkloadKind[] =
      kindGiven === undefined ? ['Deployment', 'StatefulSet'] : ([kindGiven] as WorkloadKind[]);
    if (kindGiven !== undefined && kindGiven !== 'Deployment' && kindGiven !== 'StatefulSet') {
      throw new FaultError(
        `workload ${JSON.stringify(workload)}: only Deployment/<name> and StatefulSet/<name> are supported`,
      );
    }
    const candidates: { kind: WorkloadKind; name: string; replicas: number }[] = [];
    for (const kind of kinds) {
      for (const object of await this.#target.resources<KubernetesObject & { spec?: { replicas?: number } }>(kind)) {
        const name = object.metadata?.name ?? '';
        if (name === nameGiven || name.startsWith(nameGiven ?? '')) {
          candidates.push({ kind, name, replicas: object.spec?.replicas ?? 1 });
        }
      }
    }
    const exact = candidates.filter((c) => c.name === nameGiven);
    const chosen = exact.length === 1 ? exact : candidates;
    if (chosen.length !== 1) {
      throw new FaultError(
        `workload ${JSON.stringify(workload)} matches ${chosen.length === 0 ? 'no' : chosen.length} Deployment/StatefulSet of release ${this.#target.releaseName}${chosen.length ? `: ${chosen.map((c) => `${c.kind}/${c.name}`).join(', ')}` : ''}`,
        { hint: 'name one exactly, as Kind/name' },
      );
    }
    return chosen[0] as { kind: WorkloadKind; name: string; replicas: number };
  }

  #read(kind: WorkloadKind, name: string) {
    const { apps } = kubeClients(this.#target.options);
    const namespace = this.#target.namespace;
    return kind === 'Deployment'
      ? apps.readNamespacedDeployment({ name, namespace })
      : apps.readNamespacedStatefulSet({ name, namespace });
  }

  async #scale(kind: WorkloadKind, name: string, replicas: number): Promise<void> {
    const { apps } = kubeClients(this.#target.options);
    const request = { name, namespace: this.#target.namespace, body: { spec: { replicas } } };
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    if (kind === 'Deployment') await apps.patchNamespacedDeploymentScale(request, merge);
    else await apps.patchNamespacedStatefulSetScale(request, merge);
  }

  async #observed(kind: WorkloadKind, name: string, generation: number): Promise<void> {
    await waitUntil(async () => ((await this.#read(kind, name)).status?.observedGeneration ?? 0) >= generation, {
      timeout: effectTimeoutMs,
      interval: 250,
      description: `${kind}/${name} to observe generation ${generation}`,
    });
  }
}
