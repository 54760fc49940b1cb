import type { HelmBinary } from './helm-binary.ts';

// The options of HelmTestAdaptor's calls.

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

/** `helm dependency build`. */
export interface DependencyBuildOptions extends CallOptions {
  /** Do not refresh the repositories' indexes first. */
  skipRefresh?: boolean;
}

export interface HistoryOptions extends CallOptions {
  /** At most this many revisions, the latest. */
  max?: number;
}

export interface GetManifestOptions extends CallOptions {
  /** Default: the current revision. */
  revision?: number;
}

export interface GetValuesOptions extends CallOptions {
  /** The computed values, chart defaults included; default: only the values given to the release. */
  all?: boolean;
  /** Default: the current revision. */
  revision?: number;
}

export interface RunCall extends CallOptions, ValuesOptions {
  /** The subcommand takes helm's --timeout (it waits on the cluster). */
  helmTimeout?: boolean;
  /** Add --namespace (false for commands without one, e.g. lint or dependency). */
  namespaced?: boolean;
  /** Default: kube context and kubeconfig are passed (false for purely local commands). */
  cluster?: boolean;
  chart?: string;
}
