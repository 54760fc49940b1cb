import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import { markersOf, readConfigFile } from './config-file.ts';
import { defaults } from './defaults.ts';
import { resolveDeployedTarget } from './deployed-target.ts';
import { resolveKubeconfig } from './kubeconfig-location.ts';
import type { ReadinessRuleConfig } from './readiness-config.ts';

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
  /** Readiness rules by kind from chart-testware.json's "readiness" (checked when the options are resolved). */
  readonly readiness?: readonly ReadinessRuleConfig[];
  /** --deployed-namespace: the Test stage; tests attach to the system deployed there and no job namespace is made. */
  readonly deployedNamespace: string | undefined;
  /** --release: the release in deployedNamespace that ChartDeployment.attach() takes when given no name. */
  readonly deployedRelease: string | undefined;
  /** Where each option the user can give came from (`--keep`, `CHART_TESTWARE_KEEP` or `default`), for messages. */
  readonly sources: Readonly<
    Record<
      'marker' | 'testNamespace' | 'kubeContext' | 'keep' | 'reportsDir' | 'deployedNamespace' | 'deployedRelease',
      OptionSource
    >
  >;
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
  deployedNamespace?: string;
  release?: string;
}

export const optionsEnvVar = 'CHART_TESTWARE_OPTIONS';

/** Where a run option came from, as the user gave it: a flag (`--keep`), an env var, or `default`. */
export type OptionSource = string;

/** Resolves flags, then environment variables, then defaults, into one frozen RunOptions. */
export function resolveOptions(
  flags: OptionFlags = {},
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): RunOptions {
  const jobId = nonEmpty(env.CI_JOB_ID);
  const [keep, keepFrom] = pick(flags.keep, '--keep', env, 'CHART_TESTWARE_KEEP', 'never');
  if (!keepPolicies.includes(keep as KeepPolicy)) {
    throw new ConfigError(`${keepFrom} "${keep}" is not a keep policy`, {
      hint: `use one of: ${keepPolicies.join(', ')}`,
    });
  }
  const [testNamespace, namespaceFrom] = pick(
    flags.testNamespace,
    '--test-namespace',
    env,
    'CHART_TESTWARE_NAMESPACE',
    jobId ? `ci-${jobId}` : 'ci',
  );
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(testNamespace)) {
    const hint = 'use at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit';
    if (namespaceFrom === 'default') {
      throw new ConfigError(
        `CI_JOB_ID "${jobId}" makes the job namespace "${testNamespace}", which is not a valid Kubernetes namespace name`,
        { hint: `set CHART_TESTWARE_NAMESPACE or pass --test-namespace; namespaces: ${hint}` },
      );
    }
    throw new ConfigError(`${namespaceFrom} "${testNamespace}" is not a valid Kubernetes namespace name`, { hint });
  }
  const [marker, markerFrom] = pick(flags.marker, '--marker', env, 'CHART_TESTWARE_MARKER', null);
  const [kubeContext, kubeContextFrom] = pick(
    flags.kubeContext,
    '--kube-context',
    env,
    'CHART_TESTWARE_KUBE_CONTEXT',
    undefined,
  );
  if (kubeContext !== undefined && kubeContext.trim() === '') {
    throw new ConfigError('--kube-context "" names no context', {
      hint: 'name a context of the kubeconfig, or leave the flag out',
    });
  }
  const [reportsDir, reportsDirFrom] = pick(
    flags.reportsDir,
    '--reports-dir',
    env,
    'CHART_TESTWARE_REPORTS_DIR',
    'reports',
  );
  if (reportsDir.trim() === '') {
    throw new ConfigError('--reports-dir "" names no folder', { hint: 'name a folder, e.g. --reports-dir reports' });
  }
  const perFile = env.CHART_TESTWARE_NAMESPACE_PER_FILE;
  if (perFile !== undefined && perFile !== 'true' && perFile !== 'false') {
    throw new ConfigError(`CHART_TESTWARE_NAMESPACE_PER_FILE "${perFile}" is neither true nor false`, {
      hint: 'set it to true or false, or unset it (or pass --namespace-per-file)',
    });
  }
  const config = readConfigFile(cwd);
  const deployed = resolveDeployedTarget(
    pick(flags.deployedNamespace, '--deployed-namespace', env, 'CHART_TESTWARE_DEPLOYED_NAMESPACE', undefined),
    pick(flags.release, '--release', env, 'CHART_TESTWARE_DEPLOYED_RELEASE', undefined),
    flags,
  );
  return Object.freeze({
    markerExpression: marker,
    selectAll: flags.all ?? false,
    markers: Object.freeze([...markersOf(config)]),
    readiness: config.readiness ?? [],
    testNamespace,
    kubeContext,
    kubeconfig: resolveKubeconfig(env),
    keep: keep as KeepPolicy,
    reportsDir: path.resolve(cwd, reportsDir),
    runId: nonEmpty(env.CHART_TESTWARE_RUN_ID) ?? `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`,
    jobId,
    gitSha: nonEmpty(env.CI_COMMIT_SHA),
    namespacePerFile: flags.namespacePerFile ?? perFile === 'true',
    timeouts: Object.freeze({ ...defaults }),
    deployedNamespace: deployed.namespace,
    deployedRelease: deployed.release,
    sources: Object.freeze({
      deployedNamespace: deployed.namespaceFrom,
      deployedRelease: deployed.releaseFrom,
      marker: markerFrom,
      testNamespace: namespaceFrom,
      kubeContext: kubeContextFrom,
      keep: keepFrom,
      reportsDir: reportsDirFrom,
    }),
  });
}

/**
 * The flag's value, else the env var's, else the default, with the name of where it came from. An env var that is
 * set but blank is a mistake (a CI variable that expanded to nothing), not "unset".
 */
function pick<T>(
  flagValue: string | undefined,
  flag: string,
  env: NodeJS.ProcessEnv,
  envVar: string,
  fallback: T,
): [string | T, OptionSource] {
  if (flagValue !== undefined) return [flagValue, flag];
  const fromEnv = env[envVar];
  if (fromEnv !== undefined) {
    if (fromEnv.trim() === '') {
      throw new ConfigError(`${envVar} is set but ${fromEnv === '' ? 'empty' : 'blank'}`, {
        hint: `give ${envVar} a value, or unset it (\`unset ${envVar}\`) for the default`,
      });
    }
    return [fromEnv, envVar];
  }
  return [fallback, 'default'];
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

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
