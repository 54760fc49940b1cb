import type { CoreV1Event, KubernetesObject, V1PersistentVolumeClaim, V1Pod, V1Service } from '@kubernetes/client-node';
import type { RunOptions } from '../config/options.ts';
import { ChartTestwareError } from '../errors.ts';
import { type HelmRelease, type HelmRevision, HelmTestAdaptor, type ValuesOptions } from '../helm/helm-test-adaptor.ts';
import { parseManifest, type YamlRules } from '../helm/manifest-parser.ts';
import { checkOptionKeys, type OptionKeys } from '../helm/option-keys.ts';
import { uniqueReleaseName } from '../helm/release-name.ts';
import { type EventQuery, listEvents } from '../kube/events.ts';
import { knownKind, type ObjectRef } from '../kube/object-ref.ts';
import { type ExecOptions, type ExecResult, execInPod } from '../kube/pod-exec.ts';
import { type LogsOptions, podLogs } from '../kube/pod-logs.ts';
import type { ProgressSink } from '../kube/progress.ts';
import { type RunContext, runContext } from '../kube/run-context.ts';
import { retryTransient } from '../kube/transient-error.ts';
import { ChartCrds } from './chart-crds.ts';
import { chartReference } from './chart-reference.ts';
import { type AttachTarget, attachedReleaseChangeError, findDeployedRelease } from './deployed-release.ts';
import { gatherDiagnostics } from './diagnostics.ts';
import { type DriftReport, liveDrift } from './drift.ts';
import { FailureDiagnostics } from './failure-diagnostics.ts';
import { ReleaseFaults } from './faults.ts';
import { recordDeployment } from './inventory.ts';
import { jobNamespace } from './job-namespace.ts';
import {
  eventuallyInPodLogs,
  neverInPodLogs,
  type PodLogHit,
  type PodLogMatchOptions,
  type PodLogScope,
} from './pod-log-assertions.ts';
import { compileRules, type ReadinessRule } from './readiness-rules.ts';
import { manifestObjects, readReleaseManifest } from './release-manifest.ts';
import { releaseSelectors } from './release-selector.ts';
import { releaseSmokeTest } from './release-smoke-test.ts';
import { recordReleaseStorage, releaseClaims, uninstallWithStorage } from './release-storage.ts';
import { type ReleaseTestOptions, type ReleaseTestResult, runReleaseTests } from './release-tests.ts';
import type { SmokeOptions, SmokeReport } from './smoke-test.ts';
import { StorageCleaner } from './storage-cleaner.ts';
import { replaceStuckStatefulSetPods } from './stuck-pods.ts';
import { type ReadyResult, waitForReady } from './wait-ready.ts';

export interface DeployOptions extends ValuesOptions {
  /** Default: the chart's name, the Jest worker and a random suffix (unique across parallel workers). */
  readonly releaseName?: string;
  /** Default: the test's job namespace (created if needed). */
  readonly namespace?: string;
  /** Version of a chart from a repository (or write "repo/chart@version"). */
  readonly version?: string;
  /** Default true: wait until every object of the release is ready (fails fast with ChartNotReadyError). */
  readonly wait?: boolean;
  /** Milliseconds for helm and for the readiness wait each; defaults from the run's timeouts. */
  readonly timeout?: number;
  readonly signal?: AbortSignal;
  readonly helm?: HelmTestAdaptor;
  readonly progress?: ProgressSink;
  /** The run's options (default: from the environment and the config file); or give its whole `context`. */
  readonly options?: RunOptions;
  readonly context?: RunContext;
  /** Readiness rules of this release's kinds, before chart-testware.json's; kept for its later waits. */
  readonly readiness?: readonly ReadinessRule[];
}

export interface ReadyOptions {
  readonly timeout?: number;
  readonly signal?: AbortSignal;
  readonly progress?: ProgressSink;
  /** Called once per object when it is first seen ready, with performance.now() of the event that showed it. */
  readonly onReady?: (ref: ObjectRef, at: number) => void;
  /** Readiness rules for this wait (default: those given to install). */
  readonly readiness?: readonly ReadinessRule[];
}

export interface ChangeOptions extends ValuesOptions {
  readonly wait?: boolean;
  readonly timeout?: number;
  readonly signal?: AbortSignal;
  /** upgrade only: keep the values of the last revision and add these (helm --reuse-values). */
  readonly reuseValues?: boolean;
  /** upgrade only: upgrade to this chart (a directory, .tgz or "repo/chart@version") instead of the current one. */
  readonly chart?: string;
  /** rollback only: default true, delete StatefulSet pods stuck on the broken revision (see stuck-pods.ts). */
  readonly replaceStuckPods?: boolean;
}

const deployKeys = {
  values: true,
  valuesFiles: true,
  releaseName: true,
  namespace: true,
  version: true,
  wait: true,
  timeout: true,
  signal: true,
  helm: true,
  progress: true,
  options: true,
  context: true,
  readiness: true,
} as const satisfies OptionKeys<DeployOptions>;
const readyKeys = {
  timeout: true,
  signal: true,
  progress: true,
  onReady: true,
  readiness: true,
} as const satisfies OptionKeys<ReadyOptions>;
const changeKeys = {
  values: true,
  valuesFiles: true,
  wait: true,
  timeout: true,
  signal: true,
  reuseValues: true,
  chart: true,
  replaceStuckPods: true,
} as const satisfies OptionKeys<ChangeOptions>;
const { values: _v, valuesFiles: _f, reuseValues: _r, chart: _c, ...rollbackKeys } = changeKeys;

/**
 * A helm release installed for a test, with readiness, queries and clean-up:
 * `await using app = await ChartDeployment.install('charts/tango-base', { values: {...} })`.
 * While it lives, a failing test saves its diagnostics (events, unready objects, logs, helm status) to the
 * test's artifacts directory.
 */
export class ChartDeployment {
  #chart: string;
  #version: string | undefined;
  readonly releaseName: string;
  readonly namespace: string;
  readonly helm: HelmTestAdaptor;
  readonly options: RunOptions;
  readonly #context: RunContext;
  #release: HelmRelease | undefined;
  #progress: ProgressSink | undefined;
  readonly #diagnostics: FailureDiagnostics;
  /** The claims and volumes its uninstall deletes besides helm, recorded when first seen. */
  readonly #storage: StorageCleaner;
  #uninstalled = false;
  /** Made by attach(): a release this run did not install, which it never upgrades, rolls back or uninstalls. */
  #attached = false;
  /** The values of the last install/upgrade, for the inventory's digest. */
  #valuesGiven: Pick<ValuesOptions, 'values' | 'valuesFiles'> = {};
  #readiness: readonly ReadinessRule[] | undefined;

  private constructor(init: {
    chart: string;
    releaseName: string;
    namespace: string;
    helm: HelmTestAdaptor;
    options: RunOptions;
    progress: ProgressSink | undefined;
  }) {
    this.#chart = init.chart;
    this.releaseName = init.releaseName;
    this.namespace = init.namespace;
    this.helm = init.helm;
    this.options = init.options;
    this.#context = runContext(init.options);
    this.#progress = init.progress;
    this.#storage = new StorageCleaner(init.options);
    this.#diagnostics = new FailureDiagnostics(this.releaseName, () =>
      gatherDiagnostics({
        namespace: this.namespace,
        releaseName: this.releaseName,
        helm: this.helm,
        context: this.#context,
      }),
    );
  }

  /**
   * Installs `chart` (a directory, .tgz or repo/chart) and, unless `wait: false`, waits until it is ready. When
   * it cannot become ready the diagnostics are saved, the release is uninstalled (without waiting) and the
   * ChartNotReadyError / WaitTimeoutError is thrown.
   */
  static async install(chart: string, deploy: DeployOptions = {}): Promise<ChartDeployment> {
    checkOptionKeys(deploy, deployKeys, 'ChartDeployment.install');
    const context = deploy.context ?? runContext(deploy.options);
    const options = context.options;
    compileRules(deploy.readiness); // a bad readiness rule fails before anything is deployed
    const namespace = deploy.namespace ?? (await jobNamespace(options));
    const helm = (deploy.helm ?? (await HelmTestAdaptor.create())).inNamespace(namespace);
    const reference = chartReference(chart, deploy.version);
    const crds = await ChartCrds.before(helm, reference.chart, options); // helm never deletes them: recorded as leftovers
    const deployment = new ChartDeployment({
      chart: reference.chart,
      releaseName: deploy.releaseName ?? uniqueReleaseName(reference.chart),
      namespace,
      helm,
      options,
      progress: deploy.progress,
    });
    deployment.#valuesGiven = deploy;
    deployment.#readiness = deploy.readiness;
    deployment.#version = reference.version;
    try {
      deployment.#release = await helm.install(reference.chart, {
        releaseName: deployment.releaseName,
        version: reference.version,
        values: deploy.values,
        valuesFiles: deploy.valuesFiles,
        timeout: deploy.timeout ?? options.timeouts.helmTimeoutMs,
        signal: deploy.signal,
      });
      await crds.recordCreated(namespace);
    } catch (error) {
      await crds.recordCreated(namespace).catch(() => {}); // the install's error is the one to report
      await deployment.#diagnostics.saveFor(error);
      // a failed install may still have created objects and a release record
      await helm.uninstall(deployment.releaseName, { wait: false, ignoreNotFound: true }).catch(() => {});
      throw error;
    }
    if (deploy.wait ?? true) {
      try {
        await deployment.waitReady({ timeout: deploy.timeout, signal: deploy.signal });
      } catch (error) {
        // in a test, a beforeAll/afterAll or a fixture: under its artifacts folder, linked from each failed test
        await deployment.#diagnostics.saveFor(error);
        await deployment.uninstall({ wait: false }).catch(() => {});
        throw error;
      }
    }
    return deployment;
  }

  /**
   * An existing release (the Test stage: deployed before the run), with the same queries, exec, readiness wait,
   * smoke test and diagnostics; upgrade, rollback and uninstall throw, and disposing it leaves the release alone.
   * Without arguments: the run's --deployed-namespace and --release (or the namespace's only release).
   */
  static async attach(target: AttachTarget = {}): Promise<ChartDeployment> {
    const found = await findDeployedRelease(target);
    const deployment = new ChartDeployment({ ...found, progress: undefined });
    deployment.#release = found.release;
    deployment.#attached = true;
    return deployment;
  }

  /** True for a release found by attach() rather than installed. */
  get attached(): boolean {
    return this.#attached;
  }

  /** The chart of the last install/upgrade: a directory, a .tgz or "repo/chart" (its version: `release.chart`). */
  get chart(): string {
    return this.#chart;
  }

  /** The release as helm reported it after the last install/upgrade. */
  get release(): HelmRelease | undefined {
    return this.#release;
  }

  /** The objects of the deployed revision (from the release's manifest), namespaced ones in the release namespace. */
  async objects(): Promise<ObjectRef[]> {
    return (await this.manifestObjects()).map((object) => ({
      kind: object.kind ?? '?',
      name: object.metadata?.name ?? '?',
      apiVersion: object.apiVersion,
      namespace:
        knownKind(object.kind ?? '')?.namespaced === false ? undefined : (object.metadata?.namespace ?? this.namespace),
    }));
  }

  async manifestObjects(): Promise<KubernetesObject[]> {
    return manifestObjects(await this.manifest());
  }

  /** The rendered manifest of the current revision (contains Secret objects as rendered: never print it raw). */
  async manifest(): Promise<string> {
    const revision = this.#release?.revision ?? (await this.status()).revision;
    return (
      (await readReleaseManifest(this.options, this.namespace, this.releaseName, revision)) ??
      (await this.helm.getManifest(this.releaseName))
    );
  }

  /**
   * Compares the release's live objects with their rendered documents (by default the release's own manifest, read
   * with helm's YAML 1.1 rules), by object and JSON path, ignoring what the server defaults or manages.
   */
  async drift(compare: { documents?: readonly KubernetesObject[]; yamlRules?: YamlRules } = {}): Promise<DriftReport> {
    const documents =
      compare.documents ??
      parseManifest(await this.manifest(), compare.yamlRules, () => true).documents.map((doc) => doc.object);
    return liveDrift(this.options, this.namespace, documents);
  }

  /**
   * Waits until every object of the release is ready (see waitForReady), failing fast with the reason. An API
   * server that cannot be reached for a while (a restart, a dropped connection) only delays it, within the timeout.
   */
  async waitReady(ready: ReadyOptions = {}): Promise<ReadyResult> {
    checkOptionKeys(ready, readyKeys, 'waitReady');
    const timeout = ready.timeout ?? this.options.timeouts.readyTimeoutMs;
    const started = performance.now();
    const objects = await retryTransient(() => this.objects(), {
      timeout,
      signal: ready.signal,
      interval: this.options.timeouts.pollIntervalMs,
      description: `the manifest of release ${this.releaseName} (the API server did not answer)`,
    });
    const result = await waitForReady(objects, {
      label: `release ${this.releaseName} in ${this.namespace}`,
      timeout: Math.max(1, timeout - (performance.now() - started)),
      signal: ready.signal,
      progress: ready.progress ?? this.#progress,
      onReady: ready.onReady,
      context: this.#context,
      readiness: ready.readiness ?? this.#readiness,
    });
    await recordDeployment(this, this.#valuesGiven);
    await recordReleaseStorage(this, this.#storage).catch(() => undefined);
    return result;
  }

  /**
   * `helm upgrade` with changed values, or to another chart (`chart`: e.g. from a packaged release to the working
   * copy), then waits for readiness unless `wait: false`.
   */
  async upgrade(change: ChangeOptions = {}): Promise<HelmRelease> {
    checkOptionKeys(change, changeKeys, 'upgrade');
    if (this.#attached) throw attachedReleaseChangeError(this, 'upgrade');
    const target = change.chart === undefined ? undefined : chartReference(change.chart, undefined, 'upgrade chart');
    this.#valuesGiven = change;
    if (target) [this.#chart, this.#version] = [target.chart, target.version];
    this.#release = await this.helm.upgrade(this.releaseName, this.#chart, {
      version: this.#version,
      values: change.values,
      valuesFiles: change.valuesFiles,
      reuseValues: change.reuseValues,
      timeout: change.timeout ?? this.options.timeouts.helmTimeoutMs,
      signal: change.signal,
    });
    if (change.wait ?? true) await this.waitReady({ timeout: change.timeout, signal: change.signal });
    return this.#release;
  }

  /**
   * `helm rollback` to `revision` (default the previous one); then replaces StatefulSet pods stuck on the broken
   * revision (Kubernetes does not: stuck-pods.ts) and waits for readiness, unless `wait: false`.
   */
  async rollback(
    revision?: number,
    change: Omit<ChangeOptions, 'values' | 'valuesFiles' | 'reuseValues' | 'chart'> = {},
  ): Promise<HelmRelease> {
    checkOptionKeys(change, rollbackKeys, 'rollback');
    if (this.#attached) throw attachedReleaseChangeError(this, 'rollback');
    const timeout = change.timeout ?? this.options.timeouts.helmTimeoutMs;
    await this.helm.rollback(this.releaseName, revision, { timeout, signal: change.signal });
    this.#release = await this.status();
    if (change.replaceStuckPods ?? true) {
      const statefulSets = (await this.objects()).filter((o) => o.kind === 'StatefulSet').map((o) => o.name);
      const target = { namespace: this.namespace, releaseName: this.releaseName, options: this.options, statefulSets };
      await replaceStuckStatefulSetPods(target, { timeout, signal: change.signal });
    }
    if (change.wait ?? true) await this.waitReady({ timeout: change.timeout, signal: change.signal });
    return this.#release;
  }

  /**
   * Uninstalls the release (idempotent), deletes the claims its StatefulSets made (helm leaves those) and the
   * PersistentVolumes bound to any of its claims; by default waits until all of it is gone.
   */
  async uninstall({ wait = true, timeout }: { wait?: boolean; timeout?: number } = {}): Promise<void> {
    if (this.#attached) throw attachedReleaseChangeError(this, 'uninstall');
    if (this.#uninstalled) return;
    this.#uninstalled = true;
    await this.#diagnostics.snapshotBeforeRemoval();
    await uninstallWithStorage(this, this.#storage, { wait, timeout });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#attached) return this.#diagnostics[Symbol.dispose]();
    await this.uninstall();
  }

  // ---- queries ----

  /** The release's label selectors: helm's `app.kubernetes.io/instance=<release>` and the older `release=<release>`. */
  get selectors(): readonly string[] {
    return releaseSelectors(this.releaseName);
  }

  /** Objects of `kind` in the release namespace carrying the release's labels (either convention). */
  async resources<T extends KubernetesObject = KubernetesObject>(kind: string, apiVersion?: string): Promise<T[]> {
    const version = apiVersion ?? knownKind(kind)?.apiVersion;
    if (!version) {
      throw new ChartTestwareError(`resources(): chart-testware does not know the apiVersion of kind ${kind}`, {
        hint: `pass it: resources('${kind}', 'group/version')`,
      });
    }
    const { objects } = this.#context.kube;
    const found = new Map<string, T>();
    for (const selector of this.selectors) {
      const list = await objects.list<T>(
        version,
        kind,
        this.namespace,
        undefined,
        undefined,
        undefined,
        undefined,
        selector,
      );
      for (const item of list.items) found.set(item.metadata?.name ?? '', { ...item, kind, apiVersion: version });
    }
    return [...found.values()].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  }

  pods(): Promise<V1Pod[]> {
    return this.resources<V1Pod>('Pod');
  }

  services(): Promise<V1Service[]> {
    return this.resources<V1Service>('Service');
  }

  /** The release's pods whose name starts with `prefix` (e.g. the workload name); throws when there is none. */
  async pod(prefix = ''): Promise<V1Pod> {
    const pods = (await this.pods()).filter(
      (pod) => (pod.metadata?.name ?? '').startsWith(prefix) && !pod.metadata?.deletionTimestamp,
    );
    const pod = pods[0];
    if (!pod) {
      throw new ChartTestwareError(
        `release ${this.releaseName} in ${this.namespace} has no pod${prefix ? ` named ${prefix}*` : ''} (labels ${this.selectors.join(' or ')})`,
        { hint: `list what is there: kubectl get pods -n ${this.namespace} --show-labels` },
      );
    }
    return pod;
  }

  /** Runs a command (argv) in one of the release's pods (by name, or the first whose name starts with it). */
  async exec(pod: string, command: readonly string[], options: Omit<ExecOptions, 'context'> = {}): Promise<ExecResult> {
    const name = await this.#podName(pod);
    return execInPod(this.namespace, name, command, { ...options, context: this.#context });
  }

  /** A container's log (`previous: true`: of its last crashed instance). */
  async logs(pod: string, options: Omit<LogsOptions, 'context'> = {}): Promise<string> {
    return podLogs(this.namespace, await this.#podName(pod), { ...options, context: this.#context });
  }

  /**
   * Waits until a log line of the release's containers (a restarted one's previous instance too) contains `pattern`
   * (substring or RegExp) since the test started; returns the matching lines (pod-log-assertions.ts).
   */
  logsEventuallyContain(pattern: string | RegExp, options: PodLogMatchOptions = {}): Promise<PodLogHit[]> {
    return eventuallyInPodLogs(this.#logScope(), pattern, options);
  }

  /** Fails if, watching for `options.timeout` ms (default 5 s), a log line of the release's containers matches. */
  logsNeverContain(pattern: string | RegExp, options: PodLogMatchOptions = {}): Promise<void> {
    return neverInPodLogs(this.#logScope(), pattern, options);
  }

  /** Events of the release namespace, oldest first (narrow them with kind/name/type/reason). */
  events(query: Omit<EventQuery, 'context'> = {}): Promise<CoreV1Event[]> {
    return listEvents(this.namespace, { ...query, context: this.#context });
  }

  status(): Promise<HelmRelease> {
    return this.helm.status(this.releaseName);
  }

  history(): Promise<HelmRevision[]> {
    return this.helm.history(this.releaseName);
  }

  /** Every long-running container of the deployed manifest runs and none waits (release-smoke-test.ts). */
  smokeTest(smoke: Omit<SmokeOptions, 'context'> = {}): Promise<SmokeReport> {
    return releaseSmokeTest(this, smoke);
  }

  /**
   * Runs the release's helm tests with their logs (release-tests.ts): the typed result when all pass, else a
   * ReleaseTestError naming the failing test pods with their last log lines.
   */
  test(options: ReleaseTestOptions = {}): Promise<ReleaseTestResult> {
    return runReleaseTests(this, options);
  }

  /** Faults to inject into this release, undone on dispose: `await using faults = deployment.faults()` (faults.ts). */
  faults(): ReleaseFaults {
    return new ReleaseFaults(this);
  }

  /** Saves events, unready objects, logs and helm status/history/manifest (secrets redacted) into `dir`. */
  collectDiagnostics(dir: string): Promise<string> {
    return this.#diagnostics.collect(dir);
  }

  /** Claims of the release: those in its manifest and those its StatefulSets' volumeClaimTemplates made. */
  async claims(): Promise<V1PersistentVolumeClaim[]> {
    return (await releaseClaims(this)).all;
  }

  #logScope(): PodLogScope {
    return { namespace: this.namespace, selectors: this.selectors, context: this.#context };
  }

  async #podName(pod: string): Promise<string> {
    const { core } = this.#context.kube;
    try {
      await core.readNamespacedPod({ name: pod, namespace: this.namespace });
      return pod;
    } catch {
      return (await this.pod(pod)).metadata?.name ?? pod;
    }
  }
}
