import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import { defaults, knownMarkers } from './defaults.ts';
import { resolveKubeconfig } from './kubeconfig-location.ts';

export type KeepPolicy = 'never' | 'on-failure' | 'always';
const keepPolicies: readonly KeepPolicy[] = ['never', 'on-failure', 'always'];

/** The resolved options of one run: made once by the runner, frozen, and handed to every Jest worker. */
export interface RunOptions {
  /** The --marker expression; null means the default selection (everything but quarantine). */
  readonly markerExpression: string | null;
  /** --all: every test, quarantine included (the whole suite, as CI runs it). */
  readonly selectAll: boolean;
  /** Every marker a test may use: the built-in ones plus those registered in chart-testware.json. */
  readonly markers: readonly string[];
  readonly testNamespace: string;
  readonly kubeContext: string | undefined;
  /** Path of the kubeconfig file; undefined means the client's default lookup (~/.kube/config, in-cluster). */
  readonly kubeconfig: string | undefined;
  readonly keep: KeepPolicy;
  readonly reportsDir: string;
  /** Unique per run; labels everything the run creates. */
  readonly runId: string;
  readonly jobId: string | undefined;
  readonly gitSha: string | undefined;
  readonly namespacePerFile: boolean;
  readonly timeouts: Readonly<typeof defaults>;
}

/** Flags as the runner parsed them from its command line; every one is optional. */
export interface OptionFlags {
  marker?: string;
  all?: boolean;
  testNamespace?: string;
  kubeContext?: string;
  keep?: string;
  reportsDir?: string;
  namespacePerFile?: boolean;
}

export const optionsEnvVar = 'CHART_TESTWARE_OPTIONS';

interface ConfigFile {
  markers?: Record<string, string>;
}

/** Resolves flags, then environment variables, then defaults, into one frozen RunOptions. */
export function resolveOptions(
  flags: OptionFlags = {},
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): RunOptions {
  const jobId = nonEmpty(env.CI_JOB_ID);
  const keep = flags.keep ?? nonEmpty(env.CHART_TESTWARE_KEEP) ?? 'never';
  if (!keepPolicies.includes(keep as KeepPolicy)) {
    throw new ConfigError(`--keep "${keep}" is not a keep policy`, {
      hint: `use one of: ${keepPolicies.join(', ')}`,
    });
  }
  const testNamespace = flags.testNamespace ?? nonEmpty(env.CHART_TESTWARE_NAMESPACE) ?? (jobId ? `ci-${jobId}` : 'ci');
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(testNamespace)) {
    throw new ConfigError(`--test-namespace "${testNamespace}" is not a valid Kubernetes namespace name`, {
      hint: 'use at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit',
    });
  }
  return Object.freeze({
    markerExpression: flags.marker ?? nonEmpty(env.CHART_TESTWARE_MARKER) ?? null,
    selectAll: flags.all ?? false,
    markers: Object.freeze([...knownMarkers, ...Object.keys(readConfigFile(cwd).markers ?? {})]),
    testNamespace,
    kubeContext: flags.kubeContext ?? nonEmpty(env.CHART_TESTWARE_KUBE_CONTEXT),
    kubeconfig: resolveKubeconfig(env),
    keep: keep as KeepPolicy,
    reportsDir: path.resolve(cwd, flags.reportsDir ?? nonEmpty(env.CHART_TESTWARE_REPORTS_DIR) ?? 'reports'),
    runId: nonEmpty(env.CHART_TESTWARE_RUN_ID) ?? `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`,
    jobId,
    gitSha: nonEmpty(env.CI_COMMIT_SHA),
    namespacePerFile: flags.namespacePerFile ?? env.CHART_TESTWARE_NAMESPACE_PER_FILE === 'true',
    timeouts: Object.freeze({ ...defaults }),
  });
}

let loaded: RunOptions | undefined;

/**
 * The options of the current run. Inside a run they come from the runner; outside one (Jest started by hand,
 * a bench script) they are resolved from the environment.
 */
export function loadOptions(): RunOptions {
  if (!loaded) {
    const fromRunner = process.env[optionsEnvVar];
    loaded = fromRunner ? Object.freeze(JSON.parse(fromRunner) as RunOptions) : resolveOptions();
  }
  return loaded;
}

export function readConfigFile(cwd: string): ConfigFile {
  const file = path.join(cwd, 'chart-testware.json');
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ConfigFile;
  } catch (error) {
    throw new ConfigError(`${file} is not valid JSON: ${(error as Error).message}`, {
      hint: 'fix the file, e.g. { "markers": { "slow": "takes over a minute" } }',
    });
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
