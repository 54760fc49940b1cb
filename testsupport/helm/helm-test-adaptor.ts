import { loadOptions } from '../config/options.ts';
import { type HelmBinary, resolveHelmBinary } from './helm-binary.ts';
import { checkNamespace, checkTimeout } from './helm-input-checks.ts';
import {
  adaptorKeys,
  dependencyBuildKeys,
  getManifestKeys,
  getValuesKeys,
  helmTestKeys,
  historyKeys,
  installKeys,
  lintKeys,
  rollbackKeys,
  statusKeys,
  templateKeys,
  uninstallKeys,
  upgradeKeys,
} from './helm-option-keys.ts';
import type {
  CallOptions,
  DependencyBuildOptions,
  GetManifestOptions,
  GetValuesOptions,
  HelmAdaptorOptions,
  HelmTestOptions,
  HelmValues,
  HistoryOptions,
  InstallOptions,
  LintOptions,
  RollbackOptions,
  RunCall,
  TemplateOptions,
  UninstallOptions,
  UpgradeOptions,
  WaitOption,
} from './helm-options.ts';
import {
  type HelmOutput,
  type HelmRelease,
  type HelmRevision,
  type HelmTestResult,
  parseRelease,
  parseRevisions,
  parseTestSuites,
} from './helm-results.ts';
import { runHelm } from './helm-run.ts';
import { type LintResult, parseLintOutput } from './lint-output.ts';
import { checkOptionKeys, checkStringList } from './option-keys.ts';
import { generateReleaseName } from './release-name.ts';

// The option and result types of the adaptor's methods, where its users import them from.
export type * from './helm-options.ts';
export type * from './helm-results.ts';
export type { LintMessage, LintResult } from './lint-output.ts';

/**
 * A typed wrapper of the helm CLI: argv arrays (never a shell), values as objects, per-call timeouts, and
 * HelmCommandError with the redacted command line, exit code and stderr when helm fails (`settle()` turns that
 * into a result).
 */
export class HelmTestAdaptor {
  readonly binary: HelmBinary;
  readonly options: Readonly<Omit<HelmAdaptorOptions, 'binary'>>;

  constructor(binary: HelmBinary, options: Omit<HelmAdaptorOptions, 'binary'> = {}) {
    checkOptionKeys(options, adaptorKeys, 'new HelmTestAdaptor');
    if (options.namespace !== undefined) checkNamespace(options.namespace, 'namespace');
    if (options.timeout !== undefined) checkTimeout(options.timeout, 'timeout');
    this.binary = binary;
    this.options = Object.freeze({ ...options });
  }

  /** An adaptor with the run's kube context, kubeconfig, test namespace and helm timeout, unless given. */
  static async create(options: HelmAdaptorOptions = {}): Promise<HelmTestAdaptor> {
    checkOptionKeys(options, adaptorKeys, 'HelmTestAdaptor.create');
    const run = loadOptions();
    const { binary, ...rest } = options;
    return new HelmTestAdaptor(binary ?? (await resolveHelmBinary()), {
      kubeContext: run.kubeContext,
      kubeconfig: run.kubeconfig,
      namespace: run.testNamespace,
      timeout: run.timeouts.helmTimeoutMs,
      ...rest,
    });
  }

  /** The same adaptor working in another namespace. */
  inNamespace(namespace: string): HelmTestAdaptor {
    return new HelmTestAdaptor(this.binary, { ...this.options, namespace });
  }

  // ---- charts, no cluster ----

  /** `helm template`: the rendered manifests as helm prints them. */
  async template(chart: string, options: TemplateOptions = {}): Promise<string> {
    checkOptionKeys(options, templateKeys, 'helm.template');
    for (const list of ['apiVersions', 'showOnly', 'extraArgs'] as const) checkStringList(options[list], list);
    const args = ['template', options.releaseName ?? 'release', chart];
    if (options.kubeVersion) args.push('--kube-version', options.kubeVersion);
    for (const api of options.apiVersions ?? []) args.push('--api-versions', api);
    if (options.includeCrds) args.push('--include-crds');
    if (options.skipTests) args.push('--skip-tests');
    if (options.isUpgrade) args.push('--is-upgrade');
    for (const file of options.showOnly ?? []) args.push('--show-only', file);
    args.push(...(options.extraArgs ?? []));
    return (await this.run(args, { ...options, cluster: false, chart })).stdout;
  }

  /** `helm lint`; throws when helm finds errors (the error's stdout has the [ERROR] lines). */
  async lint(chart: string, options: LintOptions = {}): Promise<LintResult> {
    checkOptionKeys(options, lintKeys, 'helm.lint');
    const args = ['lint', chart];
    if (options.strict) args.push('--strict');
    if (options.withSubcharts) args.push('--with-subcharts');
    if (options.kubeVersion) args.push('--kube-version', options.kubeVersion);
    const { stdout } = await this.run(args, { ...options, cluster: false, chart });
    return { messages: parseLintOutput(stdout), output: stdout };
  }

  /** `helm dependency build`: fills the chart's charts/ from Chart.lock (or Chart.yaml). */
  async dependencyBuild(chart: string, options: DependencyBuildOptions = {}): Promise<string> {
    checkOptionKeys(options, dependencyBuildKeys, 'helm.dependencyBuild');
    const args = ['dependency', 'build', chart];
    if (options.skipRefresh) args.push('--skip-refresh');
    return (await this.run(args, { ...options, namespaced: false, cluster: false, chart })).stdout;
  }

  // ---- releases ----

  async install(chart: string, options: InstallOptions = {}): Promise<HelmRelease> {
    checkOptionKeys(options, installKeys, 'helm.install');
    checkStringList(options.extraArgs, 'extraArgs');
    const releaseName = options.releaseName ?? generateReleaseName(chart);
    const args = ['install', releaseName, chart, '--output', 'json'];
    if (options.version) args.push('--version', options.version);
    if (options.createNamespace) args.push('--create-namespace');
    if (options.description) args.push('--description', options.description);
    args.push(...this.waitFlags(options.wait, options.waitForJobs));
    if (options.atomic) args.push(this.binary.major >= 4 ? '--rollback-on-failure' : '--atomic');
    args.push(...(options.extraArgs ?? []));
    const { stdout } = await this.run(args, { ...options, helmTimeout: true, chart });
    return parseRelease(stdout);
  }

  async upgrade(releaseName: string, chart: string, options: UpgradeOptions = {}): Promise<HelmRelease> {
    checkOptionKeys(options, upgradeKeys, 'helm.upgrade');
    checkStringList(options.extraArgs, 'extraArgs');
    const args = ['upgrade', releaseName, chart, '--output', 'json'];
    if (options.install) args.push('--install');
    if (options.version) args.push('--version', options.version);
    if (options.createNamespace) args.push('--create-namespace');
    if (options.description) args.push('--description', options.description);
    if (options.reuseValues) args.push('--reuse-values');
    if (options.resetValues) args.push('--reset-values');
    if (options.force) args.push(this.binary.major >= 4 ? '--force-replace' : '--force');
    args.push(...this.waitFlags(options.wait, options.waitForJobs));
    if (options.atomic) args.push(this.binary.major >= 4 ? '--rollback-on-failure' : '--atomic');
    args.push(...(options.extraArgs ?? []));
    const { stdout } = await this.run(args, { ...options, helmTimeout: true, chart });
    return parseRelease(stdout);
  }

  /** Rolls back to `revision` (default: the previous one). */
  async rollback(releaseName: string, revision?: number, options: RollbackOptions = {}): Promise<void> {
    checkOptionKeys(options, rollbackKeys, 'helm.rollback');
    const args = ['rollback', releaseName];
    if (revision !== undefined) args.push(String(revision));
    if (options.force) args.push(this.binary.major >= 4 ? '--force-replace' : '--force');
    args.push(...this.waitFlags(options.wait, false));
    await this.run(args, { ...options, helmTimeout: true });
  }

  /** Uninstalls, by default waiting until the release's objects are gone. */
  async uninstall(releaseName: string, options: UninstallOptions = {}): Promise<void> {
    checkOptionKeys(options, uninstallKeys, 'helm.uninstall');
    const args = ['uninstall', releaseName];
    if (options.wait ?? true) args.push('--wait');
    if (options.keepHistory) args.push('--keep-history');
    if (options.ignoreNotFound) args.push('--ignore-not-found');
    await this.run(args, { ...options, helmTimeout: true });
  }

  async status(releaseName: string, options: CallOptions = {}): Promise<HelmRelease> {
    checkOptionKeys(options, statusKeys, 'helm.status');
    const { stdout } = await this.run(['status', releaseName, '--output', 'json'], options);
    return parseRelease(stdout);
  }

  async history(releaseName: string, options: HistoryOptions = {}): Promise<HelmRevision[]> {
    checkOptionKeys(options, historyKeys, 'helm.history');
    const args = ['history', releaseName, '--output', 'json'];
    if (options.max !== undefined) args.push('--max', String(options.max));
    return parseRevisions((await this.run(args, options)).stdout);
  }

  async getManifest(releaseName: string, options: GetManifestOptions = {}): Promise<string> {
    checkOptionKeys(options, getManifestKeys, 'helm.getManifest');
    const args = ['get', 'manifest', releaseName];
    if (options.revision !== undefined) args.push('--revision', String(options.revision));
    return (await this.run(args, options)).stdout;
  }

  /** The release's user-supplied values (`all: true`: the computed values, defaults included). */
  async getValues(releaseName: string, options: GetValuesOptions = {}): Promise<HelmValues> {
    checkOptionKeys(options, getValuesKeys, 'helm.getValues');
    const args = ['get', 'values', releaseName, '--output', 'json'];
    if (options.all) args.push('--all');
    if (options.revision !== undefined) args.push('--revision', String(options.revision));
    const { stdout } = await this.run(args, options);
    return (JSON.parse(stdout) as HelmValues | null) ?? {};
  }

  /** `helm test`, by default with the test pods' logs; throws when a test fails (the error carries the output). */
  async test(releaseName: string, options: HelmTestOptions = {}): Promise<HelmTestResult> {
    checkOptionKeys(options, helmTestKeys, 'helm.test');
    checkStringList(options.filter, 'filter');
    const args = ['test', releaseName];
    if (options.logs ?? true) args.push('--logs');
    if (options.filter?.length) args.push('--filter', options.filter.join(','));
    const { stdout } = await this.run(args, { ...options, helmTimeout: true });
    return { suites: parseTestSuites(stdout), output: stdout };
  }

  /**
   * Runs helm with these arguments plus the global options (kube context, kubeconfig, namespace), values files,
   * and timeouts. Throws HelmCommandError (HelmTimeoutError when the timeout stopped it).
   */
  run(args: readonly string[], call: RunCall = {}): Promise<HelmOutput> {
    return runHelm(this.binary, this.options, args, call);
  }

  private waitFlags(wait: WaitOption | undefined, waitForJobs: boolean | undefined): string[] {
    if (!wait) return [];
    const flags = this.binary.major >= 4 ? [`--wait=${wait === true ? 'watcher' : wait}`] : ['--wait'];
    if (waitForJobs) flags.push('--wait-for-jobs');
    return flags;
  }
}
