import { createHash } from 'node:crypto';
import path from 'node:path';
import { loadOptions, type RunOptions } from '../config/options.ts';
import { currentTest } from '../context/test-context.ts';
import { ConfigError } from '../errors.ts';
import { apiStatus, kubeClients } from '../kube/kube-clients.ts';
import { retryTransient } from '../kube/transient-error.ts';
import { waitUntil } from '../kube/wait-until.ts';
import {
  answerWithin,
  apiError,
  deleteNamespaces,
  NamespaceDeletionTimeoutError,
  readNamespace,
  sweepQuietly,
  waitForNamespacesGone,
} from './namespace-cleanup.ts';
import { namespaceLiveness } from './namespace-liveness.ts';
import { createdAtAnnotation, isOurs, jobIdLabel, namespaceBody, runIdLabel } from './namespace-ownership.ts';
import { noJobNamespaceError } from './no-job-namespace-error.ts';
import { beat, heartbeatAnnotation } from './run-heartbeat.ts';

/** The name of the job namespace for `testFile` (one per file with --namespace-per-file). */
export function jobNamespaceName(options: RunOptions, testFile?: string): string {
  if (!options.namespacePerFile || !testFile) return options.testNamespace;
  const base = path
    .basename(testFile)
    .replace(/\.test\.[cm]?[jt]s$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-');
  const hash = createHash('sha256').update(path.resolve(testFile)).digest('hex').slice(0, 6);
  const head = `${options.testNamespace}-${base}`.slice(0, 63 - 7).replace(/-+$/, '');
  return `${head}-${hash}`;
}

const ensured = new Map<string, Promise<string>>();

/**
 * Creates the job namespace (idempotent; safe when several workers call it at once). A namespace of that name
 * that is not ours is never touched: ConfigError. One of ours left by a run that expired or whose process died
 * is deleted and recreated. The creator also sweeps other expired namespaces of ours.
 */
export function ensureJobNamespace(options: RunOptions, testFile?: string): Promise<string> {
  if (options.deployedNamespace !== undefined) return Promise.reject(noJobNamespaceError(options));
  const name = jobNamespaceName(options, testFile);
  // an in-cluster shard runs in the Job's namespace, made by the runner outside: its Role cannot create namespaces
  if (process.env.CHART_TESTWARE_SHARD_NAMESPACE === name) return Promise.resolve(name);
  const key = `${options.runId}/${name}`;
  let promise = ensured.get(key);
  if (!promise) {
    promise = ensure(options, name, testFile);
    ensured.set(key, promise);
    promise.catch(() => ensured.delete(key));
  }
  return promise;
}

/** The test's job namespace, created if needed. Use it in tests: `const ns = await jobNamespace()`. */
export function jobNamespace(options: RunOptions = loadOptions()): Promise<string> {
  const testPath =
    currentTest()?.testPath ??
    (globalThis as { expect?: { getState?: () => { testPath?: string } } }).expect?.getState?.().testPath;
  return ensureJobNamespace(options, testPath);
}

async function ensure(options: RunOptions, name: string, testFile: string | undefined): Promise<string> {
  const { core } = kubeClients(options);
  const deadline = Date.now() + options.timeouts.namespaceDeleteTimeoutMs + 30_000;
  for (;;) {
    try {
      const body = namespaceBody(options, name, testFile);
      await retryTransient(() => core.createNamespace({ body }), answerWithin);
      // the first beat; the runner renews it (a failure here is made good by its next beat)
      if (body.metadata?.annotations?.[heartbeatAnnotation]) await beat(options, name).catch(() => undefined);
      await sweepQuietly(options);
      break;
    } catch (error) {
      if (apiStatus(error) !== 409) throw apiError(`cannot create namespace ${name}`, error);
    }
    const existing = await readNamespace(options, name);
    if (!existing) continue;
    if (!isOurs(existing)) {
      throw new ConfigError(`namespace ${name} already exists and was not created by chart-testware`, {
        hint: `it is left alone; pass --test-namespace with another name (e.g. --test-namespace ${name}-tests)`,
      });
    }
    const labels = existing.metadata?.labels ?? {};
    if (labels[runIdLabel] === options.runId && !existing.metadata?.deletionTimestamp) break;
    const liveness = labels[runIdLabel] !== options.runId ? await namespaceLiveness(options, existing) : undefined;
    if (liveness?.alive) {
      const annotations = existing.metadata?.annotations ?? {};
      throw new ConfigError(
        `namespace ${name} belongs to another chart-testware run (${labels[runIdLabel]}${
          labels[jobIdLabel] ? `, job ${labels[jobIdLabel]}` : ''
        }, created ${annotations[createdAtAnnotation] ?? '?'}) that is still alive: ${liveness.reason}`,
        { hint: 'use another --test-namespace, or stop that run; `npm run janitor -- --force <name>` deletes it' },
      );
    }
    if (Date.now() > deadline) {
      throw new NamespaceDeletionTimeoutError(`namespace ${name} from an earlier run is still being deleted`, {
        hint: `look at what is left: kubectl get all -n ${name}; then run \`npm run janitor\``,
      });
    }
    if (existing.metadata?.deletionTimestamp) {
      await waitForNamespacesGone(options, [name], options.timeouts.namespaceDeleteTimeoutMs);
    } else {
      process.stderr.write(`[chart-testware] replacing namespace ${name} of a dead run: ${liveness?.reason}\n`);
      await deleteNamespaces(options, [name], { wait: true });
    }
  }
  await waitUntil(
    async () => {
      try {
        await core.readNamespacedServiceAccount({ name: 'default', namespace: name });
        return true;
      } catch {
        return false;
      }
    },
    { timeout: 30_000, interval: 100, description: `the default ServiceAccount of namespace ${name}` },
  );
  return name;
}
