import { randomBytes } from 'node:crypto';
import type { V1EphemeralContainer, V1Pod } from '@kubernetes/client-node';
import { apiMessage } from '../kube/kube-clients.ts';
import type { RunContext } from '../kube/run-context.ts';
import { giveUp, waitUntil } from '../kube/wait-until.ts';
import type { CommandOptions, HostBackend, RawCommandResult } from './host-backend.ts';
import { KubeExecBackend } from './kube-exec-backend.ts';
import { HostUnreachableError } from './probe-error.ts';

export interface KubeDebugTarget {
  readonly namespace: string;
  readonly pod: string;
  /** The container to probe; default the pod's default (or first) container. */
  readonly container?: string | undefined;
  /** An image with a shell and coreutils or busybox (stat, tail, cat, ls, readlink, sha256sum, sleep). */
  readonly image: string;
  /** Seconds the debug container lives (it cannot be removed from the pod, so it ends on its own). Default 3600. */
  readonly lifetimeSeconds?: number;
  /** The run's options and clients (host() makes it). */
  readonly context: RunContext;
}

/**
 * Probes a container whose image has no shell or tools, from an ephemeral debug container added to its pod
 * (what `kubectl debug --target` does). The debug container joins the target's process namespace, so the
 * target's PID 1 is its PID 1 and the target's file system is `/proc/1/root`; the pod's network namespace is
 * shared anyway, so /proc/net shows the target's sockets. It runs as the target's uid when the pod spec names
 * one (same uid: /proc/1/root is readable), otherwise as root with CAP_SYS_PTRACE.
 *
 * Limits: ephemeral containers cannot be removed (it exits after `lifetimeSeconds`, and its status stays in
 * the pod); symlinks with absolute targets deeper than the probed path resolve in the debug image; a target
 * that restarts gets a new PID 1 namespace view only if the pod keeps the same process namespace.
 */
export class KubeDebugBackend implements HostBackend {
  readonly rootPrefix = '/proc/1/root';
  readonly namespace: string;
  readonly pod: string;
  readonly image: string;
  readonly #context: RunContext;
  readonly #target: KubeExecBackend;
  readonly #lifetime: number;
  #debug: Promise<KubeExecBackend> | undefined;

  constructor(target: KubeDebugTarget) {
    this.namespace = target.namespace;
    this.pod = target.pod;
    this.image = target.image;
    this.#lifetime = target.lifetimeSeconds ?? 3600;
    this.#context = target.context;
    this.#target = new KubeExecBackend(target);
  }

  get uri(): string {
    return `${this.#target.uri}${this.#target.uri.includes('?') ? '&' : '?'}debug=${encodeURIComponent(this.image)}`;
  }

  async run(argv: readonly string[], options: CommandOptions = {}): Promise<RawCommandResult> {
    this.#debug ??= this.#start();
    this.#debug.catch(() => {
      this.#debug = undefined;
    });
    return (await this.#debug).run(argv, options);
  }

  async close(): Promise<void> {
    // Nothing to release: the ephemeral container cannot be deleted and exits after its lifetime.
  }

  async #start(): Promise<KubeExecBackend> {
    const container = await this.#target.container();
    const { core } = this.#context.kube;
    const name = `ct-probe-${randomBytes(3).toString('hex')}`;
    const fail = (found: string, cause?: unknown) =>
      new HostUnreachableError({
        host: this.uri,
        probe: `adding debug container ${name}`,
        found,
        hint: 'ephemeral containers need Kubernetes >= 1.25 and permission to update pods/ephemeralcontainers',
        cause,
      });
    let pod: V1Pod;
    try {
      pod = await core.readNamespacedPod({ name: this.pod, namespace: this.namespace });
    } catch (error) {
      throw fail(apiMessage(error), error);
    }
    const targetSpec = pod.spec?.containers.find((c) => c.name === container);
    const uid = targetSpec?.securityContext?.runAsUser ?? pod.spec?.securityContext?.runAsUser;
    const debug: V1EphemeralContainer = {
      name,
      image: this.image,
      imagePullPolicy: 'IfNotPresent',
      command: ['sleep', String(this.#lifetime)],
      targetContainerName: container,
      securityContext:
        uid !== undefined && uid !== 0
          ? { runAsUser: uid, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }
          : { runAsUser: 0, runAsNonRoot: false, capabilities: { add: ['SYS_PTRACE'] } },
    };
    try {
      await core.replaceNamespacedPodEphemeralcontainers({
        name: this.pod,
        namespace: this.namespace,
        body: {
          ...pod,
          spec: {
            ...pod.spec,
            containers: pod.spec?.containers ?? [],
            ephemeralContainers: [...(pod.spec?.ephemeralContainers ?? []), debug],
          },
        },
      });
    } catch (error) {
      throw fail(apiMessage(error), error);
    }
    let last = 'no status yet';
    try {
      await waitUntil(
        async () => {
          const current = await core.readNamespacedPod({ name: this.pod, namespace: this.namespace });
          const status = current.status?.ephemeralContainerStatuses?.find((s) => s.name === name);
          const waiting = status?.state?.waiting;
          const terminated = status?.state?.terminated;
          last = waiting
            ? `waiting: ${waiting.reason} ${waiting.message ?? ''}`
            : terminated
              ? `terminated: ${terminated.reason}`
              : last;
          if (terminated || /ErrImage|ImagePull|InvalidImageName/.test(waiting?.reason ?? '')) giveUp(last);
          return status?.state?.running !== undefined;
        },
        { timeout: 60_000, interval: 250, description: `debug container ${name} to run` },
      );
    } catch (error) {
      throw fail(`it did not start (${last})`, error);
    }
    return new KubeExecBackend({ namespace: this.namespace, pod: this.pod, container: name, context: this.#context });
  }
}
