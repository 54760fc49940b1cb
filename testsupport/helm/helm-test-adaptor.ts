import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parse as parseYaml } from 'yaml';
import { defaults } from '../config/defaults.ts';
import { loadOptions } from '../config/options.ts';
import { ConfigError } from '../errors.ts';
import { SecretRedactor } from '../record/secret-redaction.ts';
import { type HelmBinary, resolveHelmBinary } from './helm-binary.ts';
import { HelmCommandError, HelmTimeoutError } from './helm-command-error.ts';
import { recordHelm } from './helm-events.ts';
import { valuesFileText } from './values-file.ts';

export type HelmValues = Record<string, unknown>;

/** Options every helm call gets; made once, e.g. from the run's options. */
export interface HelmAdaptorOptions {
  /** Default: resolveHelmBinary(). */
  binary?: HelmBinary;
  kubeContext?: string;
  /** Path of a kubeconfig file; default: helm's own lookup (KUBECONFIG, ~/.kube/config). */
  kubeconfig?: string;
  /** Namespace of every call that does not name its own. */
  namespace?: string;
  /** Default timeout of one call in ms (helm's --timeout where it has one, and a kill timer). */
  timeout?: number;
  /** Extra environment for helm (e.g. HELM_CACHE_HOME). */
  env?: Record<string, string>;
}

export interface CallOptions {
  /** Timeout in ms of this call. */
  timeout?: number;
  signal?: AbortSignal;
  /** Namespace of this call (overrides the adaptor's). */
  namespace?: string;
}

export interface ValuesOptions {
  /**
   * Values as objects, written to temporary values files as JSON (so commas, spaces and quotes need no escaping,
   * and "yes", "on", "0755" stay strings). Later wins. Must be plain data: a function, a cycle, a bigint or a
   * non-finite number is a ValuesError naming its key path.
   */
  values?: HelmValues | readonly HelmValues[];
  /** Values files, applied before `values`. */
  valuesFiles?: readonly string[];
}

export interface TemplateOptions extends CallOptions, ValuesOptions {
  /** Default "release". */
  releaseName?: string;
  /** Kubernetes version for .Capabilities.KubeVersion, e.g. "1.32.0". */
  kubeVersion?: string;
  /** Extra API versions for .Capabilities.APIVersions, e.g. "monitoring.coreos.com/v1". */
  apiVersions?: readonly string[];
  includeCrds?: boolean;
  skipTests?: boolean;
  /** `--show-only` template paths. */
  showOnly?: readonly string[];
  isUpgrade?: boolean;
  extraArgs?: readonly string[];
}

/** helm 3: `--wait`; helm 4: `--wait=watcher` (kstatus) or `--wait=legacy` (helm 3's waiter). */
export type WaitOption = boolean | 'watcher' | 'legacy';

export interface InstallOptions extends CallOptions, ValuesOptions {
  /** Default: generated from the chart name plus a random suffix. */
  releaseName?: string;
  /** Chart version, for a chart from a repository. */
  version?: string;
  createNamespace?: boolean;
  /** Default false: return once the objects are created. */
  wait?: WaitOption;
  waitForJobs?: boolean;
  /** Undo the release when it fails (helm 3 --atomic, helm 4 --rollback-on-failure). */
  atomic?: boolean;
  description?: string;
  extraArgs?: readonly string[];
}

export interface UpgradeOptions extends Omit<InstallOptions, 'releaseName'> {
  /** `--install`: install when the release does not exist. */
  install?: boolean;
  reuseValues?: boolean;
  resetValues?: boolean;
  /** Replace objects instead of patching (helm 3 --force, helm 4 --force-replace). */
  force?: boolean;
}

export interface RollbackOptions extends CallOptions {
  wait?: WaitOption;
  force?: boolean;
}

export interface UninstallOptions extends CallOptions {
  /** Default true: return once the release's objects are gone. */
  wait?: boolean;
  keepHistory?: boolean;
  ignoreNotFound?: boolean;
}

export interface HelmTestOptions extends CallOptions {
  /** Default true: include the test pods' logs. */
  logs?: boolean;
  /** `--filter`, e.g. ["name=my-test"]. */
  filter?: readonly string[];
}

export interface LintOptions extends CallOptions, ValuesOptions {
  strict?: boolean;
  withSubcharts?: boolean;
  kubeVersion?: string;
}

export interface HelmRelease {
  readonly name: string;
  readonly namespace: string;
  readonly revision: number;
  /** deployed, failed, pending-install, superseded, uninstalled... */
  readonly status: string;
  /** "<name>-<version>" of the chart. */
  readonly chart: string;
  readonly appVersion: string | undefined;
  readonly description: string;
  readonly notes: string;
}

export interface HelmRevision {
  readonly revision: number;
  readonly updated: string;
  readonly status: string;
  readonly chart: string;
  readonly appVersion: string;
  readonly description: string;
}

export interface LintMessage {
  readonly severity: 'INFO' | 'WARNING' | 'ERROR';
  /** The file the message is about, e.g. "templates/" or "values.yaml", when helm says. */
  readonly path: string | undefined;
  readonly text: string;
}

export interface LintResult {
  readonly messages: readonly LintMessage[];
  readonly output: string;
}

export interface HelmTestSuite {
  readonly name: string;
  readonly phase: string;
}

export interface HelmTestResult {
  readonly suites: readonly HelmTestSuite[];
  /** helm's output, including the test pods' logs when asked for. */
  readonly output: string;
}

/** What the `...E` methods return instead of throwing a HelmCommandError (terratest's `InstallE` style). */
export type HelmResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: HelmCommandError };

export interface RunCall extends CallOptions, ValuesOptions {
  /** The subcommand takes helm's --timeout (it waits on the cluster). */
  helmTimeout?: boolean;
  /** Add --namespace (false for commands without one, e.g. lint or dependency). */
  namespaced?: boolean;
  /** Default: kube context and kubeconfig are passed (false for purely local commands). */
  cluster?: boolean;
  chart?: string;
}

export interface HelmOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

/**
 * A typed wrapper of the helm CLI: argv arrays (never a shell), values as objects, per-call timeouts, and
 * HelmCommandError with the redacted command line, exit code and stderr when helm fails. Every method has an
 * `...E` twin that returns `{ ok, value } | { ok: false, error }` instead of throwing.
 */
export class HelmTestAdaptor {
  readonly binary: HelmBinary;
  readonly options: Readonly<Omit<HelmAdaptorOptions, 'binary'>>;

  constructor(binary: HelmBinary, options: Omit<HelmAdaptorOptions, 'binary'> = {}) {
    if (options.namespace !== undefined) checkNamespace(options.namespace, 'namespace');
    if (options.timeout !== undefined) checkTimeout(options.timeout, 'timeout');
    this.binary = binary;
    this.options = Object.freeze({ ...options });
  }

  /** An adaptor with the run's kube context, kubeconfig, test namespace and helm timeout, unless given. */
  static async create(options: HelmAdaptorOptions = {}): Promise<HelmTestAdaptor> {
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
    const args = ['lint', chart];
    if (options.strict) args.push('--strict');
    if (options.withSubcharts) args.push('--with-subcharts');
    if (options.kubeVersion) args.push('--kube-version', options.kubeVersion);
    const { stdout } = await this.run(args, { ...options, cluster: false, chart });
    return { messages: parseLint(stdout), output: stdout };
  }

  /** `helm dependency build`: fills the chart's charts/ from Chart.lock (or Chart.yaml). */
  async dependencyBuild(chart: string, options: CallOptions & { skipRefresh?: boolean } = {}): Promise<string> {
    const args = ['dependency', 'build', chart];
    if (options.skipRefresh) args.push('--skip-refresh');
    return (await this.run(args, { ...options, namespaced: false, cluster: false, chart })).stdout;
  }

  // ---- releases ----

  async install(chart: string, options: InstallOptions = {}): Promise<HelmRelease> {
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
    const args = ['rollback', releaseName];
    if (revision !== undefined) args.push(String(revision));
    if (options.force) args.push(this.binary.major >= 4 ? '--force-replace' : '--force');
    args.push(...this.waitFlags(options.wait, false));
    await this.run(args, { ...options, helmTimeout: true });
  }

  /** Uninstalls, by default waiting until the release's objects are gone. */
  async uninstall(releaseName: string, options: UninstallOptions = {}): Promise<void> {
    const args = ['uninstall', releaseName];
    if (options.wait ?? true) args.push('--wait');
    if (options.keepHistory) args.push('--keep-history');
    if (options.ignoreNotFound) args.push('--ignore-not-found');
    await this.run(args, { ...options, helmTimeout: true });
  }

  async status(releaseName: string, options: CallOptions = {}): Promise<HelmRelease> {
    const { stdout } = await this.run(['status', releaseName, '--output', 'json'], options);
    return parseRelease(stdout);
  }

  async history(releaseName: string, options: CallOptions & { max?: number } = {}): Promise<HelmRevision[]> {
    const args = ['history', releaseName, '--output', 'json'];
    if (options.max !== undefined) args.push('--max', String(options.max));
    const { stdout } = await this.run(args, options);
    return (JSON.parse(stdout) as RawRevision[]).map((raw) => ({
      revision: raw.revision,
      updated: raw.updated,
      status: raw.status,
      chart: raw.chart,
      appVersion: raw.app_version,
      description: raw.description,
    }));
  }

  async getManifest(releaseName: string, options: CallOptions & { revision?: number } = {}): Promise<string> {
    const args = ['get', 'manifest', releaseName];
    if (options.revision !== undefined) args.push('--revision', String(options.revision));
    return (await this.run(args, options)).stdout;
  }

  /** The release's user-supplied values (`all: true`: the computed values, defaults included). */
  async getValues(
    releaseName: string,
    options: CallOptions & { all?: boolean; revision?: number } = {},
  ): Promise<HelmValues> {
    const args = ['get', 'values', releaseName, '--output', 'json'];
    if (options.all) args.push('--all');
    if (options.revision !== undefined) args.push('--revision', String(options.revision));
    const { stdout } = await this.run(args, options);
    return (JSON.parse(stdout) as HelmValues | null) ?? {};
  }

  /** `helm test`, by default with the test pods' logs; throws when a test fails (the error carries the output). */
  async test(releaseName: string, options: HelmTestOptions = {}): Promise<HelmTestResult> {
    const args = ['test', releaseName];
    if (options.logs ?? true) args.push('--logs');
    if (options.filter?.length) args.push('--filter', options.filter.join(','));
    const { stdout } = await this.run(args, { ...options, helmTimeout: true });
    return { suites: parseTestSuites(stdout), output: stdout };
  }

  // ---- the ...E variants: a HelmCommandError is returned, not thrown ----

  templateE(chart: string, options?: TemplateOptions): Promise<HelmResult<string>> {
    return settle(this.template(chart, options));
  }
  lintE(chart: string, options?: LintOptions): Promise<HelmResult<LintResult>> {
    return settle(this.lint(chart, options));
  }
  dependencyBuildE(chart: string, options?: CallOptions & { skipRefresh?: boolean }): Promise<HelmResult<string>> {
    return settle(this.dependencyBuild(chart, options));
  }
  installE(chart: string, options?: InstallOptions): Promise<HelmResult<HelmRelease>> {
    return settle(this.install(chart, options));
  }
  upgradeE(releaseName: string, chart: string, options?: UpgradeOptions): Promise<HelmResult<HelmRelease>> {
    return settle(this.upgrade(releaseName, chart, options));
  }
  rollbackE(releaseName: string, revision?: number, options?: RollbackOptions): Promise<HelmResult<void>> {
    return settle(this.rollback(releaseName, revision, options));
  }
  uninstallE(releaseName: string, options?: UninstallOptions): Promise<HelmResult<void>> {
    return settle(this.uninstall(releaseName, options));
  }
  statusE(releaseName: string, options?: CallOptions): Promise<HelmResult<HelmRelease>> {
    return settle(this.status(releaseName, options));
  }
  historyE(releaseName: string, options?: CallOptions & { max?: number }): Promise<HelmResult<HelmRevision[]>> {
    return settle(this.history(releaseName, options));
  }
  getManifestE(releaseName: string, options?: CallOptions & { revision?: number }): Promise<HelmResult<string>> {
    return settle(this.getManifest(releaseName, options));
  }
  getValuesE(
    releaseName: string,
    options?: CallOptions & { all?: boolean; revision?: number },
  ): Promise<HelmResult<HelmValues>> {
    return settle(this.getValues(releaseName, options));
  }
  testE(releaseName: string, options?: HelmTestOptions): Promise<HelmResult<HelmTestResult>> {
    return settle(this.test(releaseName, options));
  }

  /**
   * Runs helm with these arguments plus the global options (kube context, kubeconfig, namespace), values files,
   * and timeouts. Throws HelmCommandError (HelmTimeoutError when the timeout stopped it).
   */
  async run(args: readonly string[], call: RunCall = {}): Promise<HelmOutput> {
    if (call.timeout !== undefined) checkTimeout(call.timeout, 'timeout');
    const timeout = call.timeout ?? this.options.timeout ?? defaults.helmTimeoutMs;
    const argv = [...args];
    if (call.namespaced ?? true) {
      if (call.namespace !== undefined) checkNamespace(call.namespace, 'namespace');
      const namespace = call.namespace ?? this.options.namespace;
      if (namespace) argv.push('--namespace', namespace);
    }
    if (call.cluster ?? true) {
      if (this.options.kubeContext) argv.push('--kube-context', this.options.kubeContext);
      // helm's --kubeconfig takes one file; a KUBECONFIG list ("a:b") goes through the environment (see run's env)
      if (this.options.kubeconfig && !this.options.kubeconfig.includes(path.delimiter))
        argv.push('--kubeconfig', this.options.kubeconfig);
    }
    if (call.helmTimeout) argv.push('--timeout', `${Math.max(1, Math.ceil(timeout / 1000))}s`);
    const valueObjects = call.values === undefined ? [] : Array.isArray(call.values) ? call.values : [call.values];
    // Checked before anything starts: a bad value is named by its key path, not by a temporary file helm read.
    const valueTexts = valueObjects.map((values, index) =>
      valuesFileText(values, Array.isArray(call.values) ? `values[${index}]` : 'values'),
    );
    const redactor = new SecretRedactor().with(valueObjects);
    for (const file of call.valuesFiles ?? []) argv.push('--values', file);

    let valuesDir: string | undefined;
    const started = performance.now();
    try {
      if (valueObjects.length > 0) {
        valuesDir = await mkdtemp(path.join(os.tmpdir(), 'chart-testware-values-'));
        for (const [index, text] of valueTexts.entries()) {
          const file = path.join(valuesDir, `values-${index}.json`);
          await writeFile(file, text, { mode: 0o600 });
          argv.push('--values', file);
        }
      }
      // helm's own --timeout goes first; the kill timer is a margin behind it, for a helm that hangs anyway.
      const killAfter = call.helmTimeout ? timeout + Math.max(15_000, timeout * 0.1) : timeout;
      const result = await execa(this.binary.path, argv, {
        reject: false,
        timeout: killAfter,
        cancelSignal: call.signal,
        forceKillAfterDelay: 5_000,
        env: this.options.kubeconfig?.includes(path.delimiter)
          ? { ...this.options.env, KUBECONFIG: this.options.kubeconfig }
          : this.options.env,
        stdin: 'ignore',
      });
      const durationMs = performance.now() - started;
      recordHelm(
        redactor.argv(argv),
        { durationMs, failed: result.failed, stderr: redactor.text(result.stderr ?? '') },
        valueObjects,
      );
      if (!result.failed) return { stdout: result.stdout, stderr: result.stderr, durationMs };
      const failure = {
        command: [this.binary.path, ...redactor.argv(argv)],
        exitCode: result.exitCode,
        stderr: redactor.text(result.stderr ?? ''),
        stdout: redactor.text(result.stdout ?? ''),
        durationMs,
        hint: hintFor(result.stderr ?? '', call.chart, this.options),
        cause: result.exitCode === undefined ? new Error(result.shortMessage) : undefined,
      };
      if (result.timedOut) {
        throw new HelmTimeoutError(
          {
            ...failure,
            hint: `raise the timeout (this call had ${timeout} ms) or find what the cluster is waiting for`,
          },
          `helm ${args[0]} did not finish within ${timeout} ms and was stopped`,
        );
      }
      if (result.isCanceled) {
        throw new HelmCommandError(failure, `helm ${args[0]} was cancelled by its abort signal`);
      }
      throw new HelmCommandError(failure);
    } finally {
      if (valuesDir) await rm(valuesDir, { recursive: true, force: true });
    }
  }

  private waitFlags(wait: WaitOption | undefined, waitForJobs: boolean | undefined): string[] {
    if (!wait) return [];
    const flags = this.binary.major >= 4 ? [`--wait=${wait === true ? 'watcher' : wait}`] : ['--wait'];
    if (waitForJobs) flags.push('--wait-for-jobs');
    return flags;
  }
}

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Kubernetes namespace name (RFC 1123 label), checked before helm runs. */
export function checkNamespace(namespace: unknown, option: string): void {
  if (typeof namespace !== 'string' || namespace.length > 63 || !dns1123Label.test(namespace)) {
    throw new ConfigError(`${option} ${JSON.stringify(namespace)} is not a valid Kubernetes namespace name`, {
      hint: 'use at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit',
    });
  }
}

function checkTimeout(timeout: unknown, option: string): void {
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
    throw new ConfigError(`${option} ${String(timeout)} is not a timeout: give a positive number of milliseconds`, {
      hint: 'e.g. timeout: 120_000 for two minutes',
    });
  }
}

/**
 * A release name for a chart: its name (from Chart.yaml when it is a directory) and a random suffix, within
 * helm's 53 characters.
 */
export function generateReleaseName(chart: string): string {
  let name = path
    .basename(chart)
    .replace(/\.tgz$/, '')
    .replace(/-\d+\.\d+\.\d+.*$/, '');
  const chartYaml = path.join(chart, 'Chart.yaml');
  if (existsSync(chartYaml)) {
    try {
      name = String((parseYaml(readFileSync(chartYaml, 'utf8')) as { name?: unknown }).name ?? name);
    } catch {
      // an unreadable Chart.yaml fails in helm with a better message
    }
  }
  const base =
    name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 44) || 'release';
  return `${base}-${randomBytes(3).toString('hex')}`;
}

async function settle<T>(promise: Promise<T>): Promise<HelmResult<T>> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    if (error instanceof HelmCommandError) return { ok: false, error };
    throw error;
  }
}

function hintFor(stderr: string, chart: string | undefined, options: HelmAdaptorOptions): string | undefined {
  if (
    chart &&
    !chart.includes('://') &&
    !existsSync(chart) &&
    /not found|no such file|failed to download/i.test(stderr)
  ) {
    return `the chart "${chart}" does not exist (relative paths start at ${process.cwd()}); pass a chart directory, a .tgz, or repo/chart after \`helm repo add\``;
  }
  if (/Kubernetes cluster unreachable|connection refused|no such host/i.test(stderr)) {
    return `check the cluster is up (\`npm run cluster:status\`) and that kube context "${options.kubeContext ?? '(current)'}" in ${options.kubeconfig ?? 'the default kubeconfig'} points at it`;
  }
  if (/release: not found|release not found/i.test(stderr)) {
    return `check the release name and namespace "${options.namespace ?? 'default'}" (\`helm list -n <namespace>\`)`;
  }
  if (/cannot re-use a name that is still in use/.test(stderr)) {
    return 'uninstall the old release first, or let chart-testware generate a release name';
  }
  return undefined;
}

interface RawRelease {
  name: string;
  namespace: string;
  version: number;
  info?: { status?: string; description?: string; notes?: string };
  chart?: { metadata?: { name?: string; version?: string; appVersion?: string } };
}

interface RawRevision {
  revision: number;
  updated: string;
  status: string;
  chart: string;
  app_version: string;
  description: string;
}

function parseRelease(stdout: string): HelmRelease {
  const raw = JSON.parse(stdout) as RawRelease;
  const metadata = raw.chart?.metadata ?? {};
  return Object.freeze({
    name: raw.name,
    namespace: raw.namespace,
    revision: raw.version,
    status: raw.info?.status ?? 'unknown',
    chart: `${metadata.name ?? '?'}-${metadata.version ?? '?'}`,
    appVersion: metadata.appVersion,
    description: raw.info?.description ?? '',
    notes: raw.info?.notes ?? '',
  });
}

function parseLint(stdout: string): LintMessage[] {
  const messages: LintMessage[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^\s*\[(INFO|WARNING|ERROR)\]\s*(?:([^:\s][^:]*):\s)?(.*)$/.exec(line);
    if (match) {
      messages.push({ severity: match[1] as LintMessage['severity'], path: match[2], text: (match[3] ?? '').trim() });
    }
  }
  return messages;
}

function parseTestSuites(stdout: string): HelmTestSuite[] {
  const suites: HelmTestSuite[] = [];
  let name: string | undefined;
  for (const line of stdout.split('\n')) {
    const suite = /^TEST SUITE:\s+(\S+)/.exec(line);
    if (suite) name = suite[1];
    const phase = /^Phase:\s+(\S+)/.exec(line);
    if (phase && name && name !== '<none>') {
      suites.push({ name, phase: phase[1] ?? '' });
      name = undefined;
    }
  }
  return suites;
}
