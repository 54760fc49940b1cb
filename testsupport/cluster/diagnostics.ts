import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { HelmTestAdaptor } from '../helm/helm-test-adaptor.ts';
import { formatEvent, listEvents } from '../kube/events.ts';
import { describeRef, knownKind, type ObjectRef } from '../kube/object-ref.ts';
import { podLogs } from '../kube/pod-logs.ts';
import { type RunContext, runContext } from '../kube/run-context.ts';
import type { ClusterView } from '../kube/wait-for.ts';
import { isSecretKey, redacted, redactText } from '../record/secret-redaction.ts';
import { readinessCondition, readinessRelatedKinds } from './readiness.ts';
import { manifestObjects, readReleaseRecords } from './release-manifest.ts';
import { isOfRelease } from './release-selector.ts';

export interface DiagnosticsTarget {
  readonly namespace: string;
  /** With a release: helm status/history/manifest too, and "not ready" judged for the release's objects. */
  readonly releaseName?: string;
  readonly helm?: HelmTestAdaptor;
  /** The run's options and clients; default: runContext() (the run's, from the environment). */
  readonly context?: RunContext;
}

/** Diagnostics as files: relative path -> content (already redacted). */
export type DiagnosticsFiles = Map<string, string>;

/**
 * Writes what a person needs to see why a deployment failed into `dir` (created): events.txt (oldest first),
 * not-ready.yaml (each object that is not ready, why, and its state), logs/<pod>/<container>[.previous].log,
 * helm-status.json, helm-history.json, manifest.yaml. Secrets never appear: Secret objects lose their data, env
 * values and keys that look secret are blanked. Returns `dir`.
 */
export async function collectDiagnostics(target: DiagnosticsTarget, dir: string): Promise<string> {
  await writeDiagnostics(await gatherDiagnostics(target), dir);
  return dir;
}

/** Writes what gatherDiagnostics() gathered (redacted there). */
export async function writeDiagnostics(files: DiagnosticsFiles, dir: string): Promise<void> {
  for (const [file, text] of files) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
}

/** Where the gatherers put their files, and the errors of the parts that could not be read. */
interface DiagnosticsSink {
  readonly files: DiagnosticsFiles;
  /** Redacts with the values' secrets this process has seen (logs may echo them), key rules, URLs, tokens, PEM. */
  put(file: string, text: string): void;
  /** For object dumps that went through redactObject (which kept references such as a toleration's "key"). */
  putObjects(file: string, text: string): void;
  /** Runs one part; its failure is noted in collection-errors.txt instead of failing the rest. */
  attempt(what: string, fn: () => Promise<void>): Promise<void>;
  readonly errors: string[];
}

function diagnosticsSink(): DiagnosticsSink {
  const files: DiagnosticsFiles = new Map();
  const errors: string[] = [];
  return {
    files,
    errors,
    put: (file, text) => files.set(file, redactText(text)),
    putObjects: (file, text) => files.set(file, redactText(text, globalThis, { keys: false })),
    attempt: async (what, fn) => {
      try {
        await fn();
      } catch (error) {
        errors.push(`${what}: ${(error as Error).message}`);
      }
    },
  };
}

const workloadKinds = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'PersistentVolumeClaim', 'Service'];

/**
 * Gathers the diagnostics in memory, with API calls only (helm's release records are read from its storage;
 * the helm CLI is the fallback), all at once: fast enough to take before every uninstall inside a test.
 */
export async function gatherDiagnostics(target: DiagnosticsTarget): Promise<DiagnosticsFiles> {
  const context = target.context ?? runContext();
  const sink = diagnosticsSink();
  let manifest: string | undefined;
  const [, , view] = await Promise.all([
    sink.attempt('events', async () => {
      const events = await listEvents(target.namespace, { context });
      sink.put('events.txt', `${events.map(formatEvent).join('\n')}\n`);
    }),
    sink.attempt('helm release', async () => {
      manifest = await gatherRelease(target, context, sink);
    }),
    snapshotView(context, target.namespace, [...workloadKinds, 'ConfigMap', 'ServiceAccount']).catch(
      (error: unknown) => {
        sink.errors.push(`objects: ${(error as Error).message}`);
        return undefined;
      },
    ),
  ]);
  if (view) await sink.attempt('not-ready objects', async () => gatherNotReady(target, view, manifest, sink));
  await sink.attempt('logs', async () => gatherLogs(target, context, view, sink));
  if (sink.errors.length > 0) sink.put('collection-errors.txt', `${sink.errors.join('\n')}\n`);
  return sink.files;
}

/** helm-status.json, helm-history.json and manifest.yaml of the target's release; returns its manifest. */
async function gatherRelease(
  target: DiagnosticsTarget,
  context: RunContext,
  sink: DiagnosticsSink,
): Promise<string | undefined> {
  if (!target.releaseName) return undefined;
  const name = target.releaseName;
  const records = await readReleaseRecords(context.options, target.namespace, name);
  const last = records.at(-1);
  let manifest: string | undefined;
  if (last) {
    const { manifest: _manifest, ...status } = last;
    sink.put('helm-status.json', JSON.stringify({ name, namespace: target.namespace, ...status }, null, 2));
    sink.put(
      'helm-history.json',
      JSON.stringify(
        records.map(({ manifest: _m, ...rest }) => rest),
        null,
        2,
      ),
    );
    manifest = last.manifest;
  } else if (target.helm) {
    const helm = target.helm;
    await sink.attempt('helm status', async () =>
      sink.put('helm-status.json', JSON.stringify(await helm.status(name), null, 2)),
    );
    await sink.attempt('helm history', async () =>
      sink.put('helm-history.json', JSON.stringify(await helm.history(name), null, 2)),
    );
    manifest = await helm.getManifest(name);
  }
  if (manifest !== undefined) {
    sink.putObjects(
      'manifest.yaml',
      manifestObjects(manifest)
        .map((object) => stringify(redactObject(object)))
        .join('---\n'),
    );
  }
  return manifest;
}

/** The job namespace may be shared with other deployments: with a release, only its pods (by helm's labels). */
function podsOfTarget(target: DiagnosticsTarget, pods: V1Pod[]): V1Pod[] {
  const release = target.releaseName;
  if (!release) return pods;
  const own = pods.filter((pod) => isOfRelease(pod.metadata?.labels, release));
  // a chart that does not label its pods: show them all rather than none
  return own.length > 0 ? own : pods;
}

/** not-ready.yaml: each object of the release (or each workload of the namespace) that is not ready, and why. */
async function gatherNotReady(
  target: DiagnosticsTarget,
  view: ClusterView,
  manifest: string | undefined,
  sink: DiagnosticsSink,
): Promise<void> {
  const refs: ObjectRef[] =
    manifest !== undefined
      ? manifestObjects(manifest).map((object) => ({
          kind: object.kind ?? '?',
          name: object.metadata?.name ?? '?',
          namespace: knownKind(object.kind ?? '')?.namespaced === false ? undefined : target.namespace,
        }))
      : workloadKinds.flatMap((kind) =>
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
  for (const pod of podsOfTarget(target, view.list<V1Pod>('Pod', target.namespace))) {
    const ready = pod.status?.conditions?.find((condition) => condition.type === 'Ready')?.status === 'True';
    if (ready || pod.status?.phase === 'Succeeded') continue;
    notReady.push({
      object: `Pod ${target.namespace}/${pod.metadata?.name}`,
      why: `phase ${pod.status?.phase}`,
      state: redactObject({ status: pod.status }),
    });
  }
  sink.putObjects('not-ready.yaml', notReady.length > 0 ? stringify(notReady) : '# every object is ready\n');
}

/** logs/<pod>/<container>.log of each started container, and .previous.log of each restarted one. */
async function gatherLogs(
  target: DiagnosticsTarget,
  context: RunContext,
  view: ClusterView | undefined,
  sink: DiagnosticsSink,
): Promise<void> {
  const pods =
    (view ? podsOfTarget(target, view.list<V1Pod>('Pod', target.namespace)) : undefined) ??
    (await context.kube.core.listNamespacedPod({ namespace: target.namespace })).items;
  const reads: Promise<void>[] = [];
  for (const pod of pods) {
    const podName = pod.metadata?.name ?? '?';
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    for (const status of statuses) {
      const base = path.join('logs', podName, status.name);
      const read = (previous: boolean) => async () =>
        sink.put(
          `${base}${previous ? '.previous' : ''}.log`,
          await podLogs(target.namespace, podName, { container: status.name, previous, context }),
        );
      if (status.state?.running || status.state?.terminated) {
        reads.push(sink.attempt(`log of ${podName}/${status.name}`, read(false)));
      }
      if (status.restartCount > 0 || status.lastState?.terminated) {
        reads.push(sink.attempt(`previous log of ${podName}/${status.name}`, read(true)));
      }
    }
  }
  await Promise.all(reads);
}

/** A copy with Secret data dropped and env values / fields whose names look secret blanked. */
export function redactObject<T>(object: T): T {
  const walk = (node: unknown, kind: string | undefined, field: string | undefined): unknown => {
    if (Array.isArray(node)) return node.map((item) => walk(item, kind, field));
    if (node === null || typeof node !== 'object') return node;
    const record = node as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    const secretEnv = typeof record.name === 'string' && 'value' in record && isSecretKey(record.name);
    // the "key" of a toleration, a match expression, a secretKeyRef or a volume item names something: it stays
    // (not in a ConfigMap's or Secret's data, where "key" is the user's own field)
    const referenceKey =
      typeof record.key === 'string' &&
      !['data', 'stringData', 'binaryData'].includes(field ?? '') &&
      ['operator', 'effect', 'path', 'name'].some((sibling) => sibling in record);
    for (const [key, value] of Object.entries(record)) {
      if (kind === 'Secret' && (key === 'data' || key === 'stringData') && value && typeof value === 'object') {
        out[key] = Object.fromEntries(Object.keys(value).map((name) => [name, redacted]));
      } else if (key === 'key' && referenceKey) {
        out[key] = value;
      } else if ((secretEnv && key === 'value') || (isSecretKey(key) && typeof value !== 'object')) {
        out[key] = redacted;
      } else if (key === 'last-applied-configuration' || key === 'kubectl.kubernetes.io/last-applied-configuration') {
        out[key] = redacted;
      } else {
        out[key] = walk(value, kind, key);
      }
    }
    return out;
  };
  return walk(object, (object as KubernetesObject | undefined)?.kind, undefined) as T;
}

/** A one-shot ClusterView from lists, for judging readiness outside a wait. */
async function snapshotView(
  context: RunContext,
  namespace: string,
  objectKinds: readonly string[],
): Promise<ClusterView> {
  const { objects } = context.kube;
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
