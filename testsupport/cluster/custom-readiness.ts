import type { KubernetesObject } from '@kubernetes/client-node';
import type { RunOptions } from '../config/options.ts';
import { type DiscoveredKind, discoverKind, groupOf } from '../kube/kind-discovery.ts';
import { describeRef, knownKind, type ObjectRef, refKey } from '../kube/object-ref.ts';
import type { ProgressSink } from '../kube/progress.ts';
import { retryTransient } from '../kube/transient-error.ts';
import type { Verdict } from '../kube/wait-for.ts';
import { ChartNotReadyError } from './chart-not-ready-error.ts';
import { conventionReadiness, generationPending } from './readiness-conventions.ts';
import { type CompiledRule, compileRules, type ReadinessRule } from './readiness-rules.ts';

/**
 * Readiness of the kinds the built-in rules of readiness.ts do not know: custom resources by the conventions
 * (readiness-conventions.ts), and any kind a rule names (chart-testware.json's `readiness`, or the call's). An
 * object that gives no readiness signal is never taken as ready: it waits, saying so ("no readiness signal: add a
 * rule or ignore it"), is named in a progress line once it has done so for `noReadinessSignalMs`, and in the
 * timeout error.
 */
export class CustomReadiness {
  readonly #rules: readonly CompiledRule[];
  readonly #kinds = new Map<string, DiscoveredKind | undefined>();
  readonly #noSignalMs: number;
  readonly #progress: ProgressSink;
  readonly #label: string;
  readonly #silentSince = new Map<string, number>();
  readonly #reported = new Set<string>();

  private constructor(rules: readonly CompiledRule[], options: RunOptions, progress: ProgressSink, label: string) {
    this.#rules = rules;
    this.#noSignalMs = options.timeouts.noReadinessSignalMs ?? 30_000;
    this.#progress = progress;
    this.#label = label;
  }

  /**
   * Compiles the rules (a bad one throws ConfigError before anything waits) and discovers the kinds among `objects`
   * that need watching. Returns the objects with cluster-scoped custom resources' namespace dropped.
   */
  static async prepare(
    objects: readonly ObjectRef[],
    options: RunOptions,
    {
      readiness,
      progress,
      label,
      timeout,
      signal,
    }: {
      readiness?: readonly ReadinessRule[] | undefined;
      progress: ProgressSink;
      label: string;
      timeout: number;
      signal?: AbortSignal | undefined;
    },
  ): Promise<{ custom: CustomReadiness; objects: ObjectRef[] }> {
    const custom = new CustomReadiness(compileRules(readiness, options.readiness), options, progress, label);
    const refs: ObjectRef[] = [];
    for (const ref of objects) {
      const apiVersion = ref.apiVersion ?? '';
      if (!custom.#handles(ref) || custom.#rule(ref)?.ignore) {
        refs.push(ref);
        continue;
      }
      const key = `${apiVersion}/${ref.kind}`;
      if (!custom.#kinds.has(key)) {
        const discover = () => discoverKind(options, apiVersion, ref.kind);
        custom.#kinds.set(
          key,
          apiVersion
            ? await retryTransient(discover, {
                timeout: Math.ceil(timeout),
                signal,
                interval: options.timeouts.pollIntervalMs,
                description: `API discovery of ${ref.kind} ${apiVersion} (the API server did not answer)`,
              })
            : undefined,
        );
      }
      const found = custom.#kinds.get(key);
      refs.push(found && !found.namespaced ? { ...ref, namespace: undefined } : ref);
    }
    return { custom, objects: refs };
  }

  /** The verdict on `object`, or undefined when the built-in rules of its kind decide. */
  verdict(object: KubernetesObject | undefined, ref: ObjectRef): Verdict | undefined {
    if (!this.#handles(ref)) return undefined;
    const rule = this.#rule(ref);
    if (rule?.ignore) return { ready: true };
    const custom = isCustomGroup(groupOf(ref.apiVersion));
    const discovered = this.#kinds.get(`${ref.apiVersion ?? ''}/${ref.kind}`);
    if (!object) {
      if (!knownKind(ref.kind)) {
        return {
          ready: false,
          waitingFor: `the API server does not serve ${ref.kind} (${ref.apiVersion ?? 'no apiVersion'}): is its CustomResourceDefinition installed?`,
        };
      }
      return { ready: false, waitingFor: 'does not exist (yet)' };
    }
    if (rule) {
      // a status from an older generation says nothing about the spec just applied: neither ready nor failed
      const pending = generationPending(object);
      if (pending) return { ready: false, waitingFor: pending };
      const failed = rule.failure(object);
      if (failed) return { ready: false, failure: this.#failure(ref, failed) };
      if (rule.hasReady) return rule.readiness(object);
    }
    if (!custom) return undefined;
    const verdict = conventionReadiness(object, discovered?.hasStatus ?? true);
    switch (verdict.state) {
      case 'ready':
        return { ready: true };
      case 'failed':
        return {
          ready: false,
          failure: this.#failure(ref, `condition ${verdict.condition} is True: ${verdict.message}`),
        };
      case 'waiting':
        this.#silentSince.delete(refKey(ref));
        return { ready: false, waitingFor: verdict.waitingFor };
      case 'no-signal':
        return { ready: false, waitingFor: this.#noSignal(ref, verdict.shows) };
    }
  }

  #noSignal(ref: ObjectRef, shows: string): string {
    const key = refKey(ref);
    const now = performance.now();
    const since = this.#silentSince.get(key) ?? now;
    this.#silentSince.set(key, since);
    const group = groupOf(ref.apiVersion);
    const text = `no readiness signal (${shows}): add a rule for kind ${ref.kind}${group ? ` group ${group}` : ''} or ignore it`;
    if (now - since >= this.#noSignalMs && !this.#reported.has(key)) {
      this.#reported.add(key);
      this.#progress(`${this.#label}: ${describeRef(ref)}: ${text} (for ${Math.round((now - since) / 1000)} s now)`);
    }
    return text;
  }

  #failure(ref: ObjectRef, message: string): ChartNotReadyError {
    return new ChartNotReadyError({
      object: ref,
      reason: 'ResourceFailed',
      message,
      inspect: `kubectl get ${ref.kind.toLowerCase()}${groupOf(ref.apiVersion) ? `.${groupOf(ref.apiVersion)}` : ''} ${ref.name}${ref.namespace ? ` -n ${ref.namespace}` : ''} -o yaml`,
    });
  }

  #handles(ref: ObjectRef): boolean {
    return this.#rule(ref) !== undefined || isCustomGroup(groupOf(ref.apiVersion));
  }

  #rule(ref: ObjectRef): CompiledRule | undefined {
    const group = groupOf(ref.apiVersion);
    return this.#rules.find((rule) => rule.matches(ref.kind, group));
  }
}

/** A group a CustomResourceDefinition (or an aggregated API not of Kubernetes itself) serves. */
function isCustomGroup(group: string): boolean {
  return group.includes('.') && !group.endsWith('.k8s.io') && !group.endsWith('.kubernetes.io');
}
