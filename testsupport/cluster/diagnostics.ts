import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { loadOptions, type RunOptions } from '../config/options.ts';
import type { HelmTestAdaptor } from '../helm/helm-test-adaptor.ts';
import { isSecretKey, redacted, SecretRedactor } from '../helm/secret-redaction.ts';
import { formatEvent, listEvents } from '../kube/events.ts';
import { kubeClients } from '../kube/kube-clients.ts';
import { describeRef, knownKind, type ObjectRef } from '../kube/object-ref.ts';
import { podLogs } from '../kube/pod-logs.ts';
import type { ClusterView } from '../kube/wait-for.ts';
import { readinessCondition, readinessRelatedKinds } from './readiness.ts';
import { manifestObjects } from './release-manifest.ts';

export interface DiagnosticsTarget {
  readonly namespace: string;
  /** With a release: helm status/history/manifest too, and "not ready" judged for the release's objects. */
  readonly releaseName?: string;
  readonly helm?: HelmTestAdaptor;
  readonly options?: RunOptions;
}

/**
 * Writes what a person needs to see why a deployment failed into `dir` (created): events.txt (oldest first),
 * not-ready.yaml (each object that is not ready, why, and its state), logs/<pod>/<container>[.previous].log,
 * helm-status.json, helm-history.json, manifest.yaml. Secrets never appear: Secret objects lose their data, env
 * values and keys that look secret are blanked. Returns `dir`.
 */
export async function collectDiagnostics(target: DiagnosticsTarget, dir: string): Promise<string> {
  const options = target.options ?? loadOptions();
  const { core } = kubeClients(options);
  const redactor = new SecretRedactor();
  await mkdir(path.join(dir, 'logs'), { recursive: true });
  const write = (file: string, text: string) => writeFile(path.join(dir, file), redactor.text(text));
  const errors: string[] = [];
  const attempt = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (error) {
      errors.push(`${what}: ${(error as Error).message}`);
    }
  };

  await attempt('events', async () => {
    const events = await listEvents(target.namespace, { options });
    await write('events.txt', `${events.map(formatEvent).join('\n')}\n`);
  });

  let manifest: string | undefined;
  if (target.releaseName && target.helm) {
    const helm = target.helm;
    const release = target.releaseName;
    await attempt('helm status', async () =>
      write('helm-status.json', JSON.stringify(await helm.status(release), null, 2)),
    );
    await attempt('helm history', async () =>
      write('helm-history.json', JSON.stringify(await helm.history(release), null, 2)),
    );
    await attempt('helm manifest', async () => {
      manifest = await helm.getManifest(release);
      await write(
        'manifest.yaml',
        manifestObjects(manifest)
          .map((object) => stringify(redactObject(object)))
          .join('---\n'),
      );
    });
  }

  await attempt('not-ready objects', async () => {
    const workloadKinds = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'PersistentVolumeClaim', 'Service'];
    const manifestRefs: ObjectRef[] | undefined = manifest
      ? manifestObjects(manifest).map((object) => ({
          kind: object.kind ?? '?',
          name: object.metadata?.name ?? '?',
          namespace: knownKind(object.kind ?? '')?.namespaced === false ? undefined : target.namespace,
        }))
      : undefined;
    const view = await snapshotView(options, target.namespace, [
      ...workloadKinds,
      ...(manifestRefs ?? []).map((ref) => ref.kind),
    ]);
    const refs: ObjectRef[] =
      manifestRefs ??
      workloadKinds.flatMap((kind) =>
        view
          .list(kind, target.namespace)
          .map((object) => ({ kind, name: object.metadata?.name ?? '?', namespace: target.namespace })),
      );
    const condition = readinessCondition();
    const notReady: unknown[] = [];
    for (const ref of refs) {
      const object = view.get(ref.kind, ref.name, ref.namespace);
      const verdict = condition(object, ref, view);
      if (verdict.ready) continue;
      notReady.push({
        object: describeRef(ref),
        why: verdict.failure?.message ?? verdict.waitingFor ?? 'not ready',
        state: object
          ? redactObject({
              metadata: { generation: object.metadata?.generation },
              spec: (object as { spec?: unknown }).spec,
              status: (object as { status?: unknown }).status,
            })
          : 'missing',
      });
    }
    for (const pod of view.list<V1Pod>('Pod', target.namespace)) {
      const ready = pod.status?.conditions?.find((condition) => condition.type === 'Ready')?.status === 'True';
      if (ready || pod.status?.phase === 'Succeeded') continue;
      notReady.push({
        object: `Pod ${target.namespace}/${pod.metadata?.name}`,
        why: `phase ${pod.status?.phase}`,
        state: redactObject({ status: pod.status }),
      });
    }
    await write('not-ready.yaml', notReady.length > 0 ? stringify(notReady) : '# every object is ready\n');
  });

  await attempt('logs', async () => {
    const pods = (await core.listNamespacedPod({ namespace: target.namespace })).items;
    for (const pod of pods) {
      const podName = pod.metadata?.name ?? '?';
      const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
      await mkdir(path.join(dir, 'logs', podName), { recursive: true });
      for (const status of statuses) {
        await attempt(`logs of ${podName}/${status.name}`, async () => {
          if (status.state?.running || status.state?.terminated) {
            await write(
              path.join('logs', podName, `${status.name}.log`),
              await podLogs(target.namespace, podName, { container: status.name, options }),
            );
          }
          if (status.restartCount > 0 || status.lastState?.terminated) {
            const previous = await podLogs(target.namespace, podName, {
              container: status.name,
              previous: true,
              options,
            });
            await write(path.join('logs', podName, `${status.name}.previous.log`), previous);
          }
        });
      }
    }
  });

  if (errors.length > 0) await write('collection-errors.txt', `${errors.join('\n')}\n`);
  return dir;
}

/** A copy with Secret data dropped and env values / fields whose names look secret blanked. */
export function redactObject<T>(object: T): T {
  const walk = (node: unknown, kind: string | undefined): unknown => {
    if (Array.isArray(node)) return node.map((item) => walk(item, kind));
    if (node === null || typeof node !== 'object') return node;
    const record = node as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    const secretEnv = typeof record.name === 'string' && 'value' in record && isSecretKey(record.name);
    for (const [key, value] of Object.entries(record)) {
      if (kind === 'Secret' && (key === 'data' || key === 'stringData') && value && typeof value === 'object') {
        out[key] = Object.fromEntries(Object.keys(value).map((name) => [name, redacted]));
      } else if ((secretEnv && key === 'value') || (isSecretKey(key) && typeof value !== 'object')) {
        out[key] = redacted;
      } else if (key === 'last-applied-configuration' || key === 'kubectl.kubernetes.io/last-applied-configuration') {
        out[key] = redacted;
      } else {
        out[key] = walk(value, kind);
      }
    }
    return out;
  };
  return walk(object, (object as KubernetesObject | undefined)?.kind) as T;
}

/** A one-shot ClusterView from lists, for judging readiness outside a wait. */
async function snapshotView(
  options: RunOptions,
  namespace: string,
  objectKinds: readonly string[],
): Promise<ClusterView> {
  const { objects } = kubeClients(options);
  const kinds = [...new Set([...objectKinds, ...readinessRelatedKinds])];
  const lists = new Map<string, KubernetesObject[]>();
  await Promise.all(
    kinds.map(async (kind) => {
      const info = knownKind(kind);
      if (!info) return;
      try {
        const list = await objects.list(info.apiVersion, kind, info.namespaced ? namespace : undefined);
        lists.set(
          kind,
          list.items.map((item) => ({ ...item, kind, apiVersion: info.apiVersion })),
        );
      } catch {
        lists.set(kind, []);
      }
    }),
  );
  return {
    get: <T extends KubernetesObject>(kind: string, name: string) =>
      lists.get(kind)?.find((object) => object.metadata?.name === name) as T | undefined,
    list: <T extends KubernetesObject>(kind: string) => (lists.get(kind) ?? []) as T[],
    elapsedMs: Number.POSITIVE_INFINITY,
  };
}
