import type { OptionFlags } from '../config/options.ts';
import { ConfigError } from '../errors.ts';
import { checkJestArgs } from './jest-flags.ts';

export type LocalClusterMode = 'auto' | 'always' | 'never';

export interface RunnerArgs {
  readonly flags: OptionFlags;
  readonly localCluster: LocalClusterMode;
  readonly help: boolean;
  /** Everything the runner does not know, passed to Jest as given (paths, -t, --runInBand, ...). */
  readonly jestArgs: readonly string[];
}

const valueFlags = {
  '--marker': 'marker',
  '-m': 'marker',
  '--test-namespace': 'testNamespace',
  '--kube-context': 'kubeContext',
  '--keep': 'keep',
  '--reports-dir': 'reportsDir',
  '--local-cluster': 'localCluster',
  '--deployed-namespace': 'deployedNamespace',
  '--release': 'release',
} as const;

/**
 * Splits the runner's own flags (also in --flag=value form) from Jest's, and refuses any flag neither knows.
 */
export function parseRunnerArgs(argv: readonly string[]): RunnerArgs {
  const flags: OptionFlags = {};
  const jestArgs: string[] = [];
  let localCluster: LocalClusterMode = 'auto';
  let help = false;
  const given = new Map<string, { name: string; value: string }>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [name, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    if (switchFlags.includes(name) && inline !== undefined) {
      throw new ConfigError(`${name} takes no value, got "${arg}"`, { hint: `write ${name} alone` });
    }
    if (name === '--all') flags.all = true;
    else if (name === '--namespace-per-file') flags.namespacePerFile = true;
    else if (name === '--help' || name === '-h') help = true;
    else if (name in valueFlags) {
      const value = inline ?? argv[++i];
      if (value === undefined || (inline === undefined && value.startsWith('--'))) {
        throw new ConfigError(`${name} needs a value`, {
          hint: `e.g. ${name === '--marker' || name === '-m' ? '--marker "chart_deploy and not quarantine"' : `${name} <value>`}`,
        });
      }
      const key = valueFlags[name as keyof typeof valueFlags];
      refuseRepeat(name, key, value, given);
      if (key === 'localCluster') {
        if (value !== 'auto' && value !== 'always' && value !== 'never') {
          throw new ConfigError(`--local-cluster "${value}" is not a mode`, { hint: 'use auto, always or never' });
        }
        localCluster = value;
      } else flags[key] = value;
    } else jestArgs.push(arg);
  }
  if (flags.all && flags.marker !== undefined) {
    throw new ConfigError('--all and --marker cannot be combined', {
      hint: 'use --all for every test, or --marker to select',
    });
  }
  if (!help) checkJestArgs(jestArgs, runnerFlags);
  return { flags, localCluster, help, jestArgs };
}

const switchFlags: readonly string[] = ['--all', '--namespace-per-file', '--help', '-h'];

/** A value flag given twice would silently keep the last value; a CI line that says both is a mistake. */
function refuseRepeat(
  name: string,
  key: string,
  value: string,
  given: Map<string, { name: string; value: string }>,
): void {
  const first = given.get(key);
  given.set(key, { name, value });
  if (!first) return;
  throw new ConfigError(`${name} is given twice: ${first.name} "${first.value}", then ${name} "${value}"`, {
    hint:
      key === 'marker' ? `give one expression, e.g. --marker "(${first.value}) or (${value})"` : `give ${name} once`,
  });
}

/** Every flag of the runner's own, for "did you mean" hints. */
export const runnerFlags: readonly string[] = [...Object.keys(valueFlags), '--all', '--namespace-per-file', '--help'];

export const runnerUsage = `Usage: npm test -- [options] [jest options and test path patterns]

Selection (pytest -m style):
  --marker, -m EXPR        select tests by markers: and, or, not, parentheses
                           (default: "not quarantine"; e.g. "chart_deploy and not quarantine")
  --all                    every test, quarantine included (the whole suite, as CI runs it)

Cluster:
  --test-namespace NS      job namespace (env CHART_TESTWARE_NAMESPACE; default ci, or ci-$CI_JOB_ID)
  --namespace-per-file     one namespace per test file instead of one per run
  --kube-context CTX       kubeconfig context (env CHART_TESTWARE_KUBE_CONTEXT; kubeconfig from KUBECONFIG)
  --keep never|on-failure|always
                           keep the job namespace after the run (env CHART_TESTWARE_KEEP; default never)
  --local-cluster auto|always|never
                           auto: start the embedded local cluster when chart_deploy tests may run and no
                           kubeconfig exists (default); always: use it even if one exists; never: do not
                           start or use it (chart_deploy tests then need KUBECONFIG or ~/.kube/config)

Test stage (a system already deployed; no job namespace is created, nothing deployed is changed):
  --deployed-namespace NS  the namespace that holds the system; tests attach to it with ChartDeployment.attach()
                           (env CHART_TESTWARE_DEPLOYED_NAMESPACE)
  --release NAME           the release attach() takes when given none (env CHART_TESTWARE_DEPLOYED_RELEASE;
                           default: the namespace's only release)

Reports:
  --reports-dir DIR        JUnit (junit.xml), diagnostics (artifacts/) (env CHART_TESTWARE_REPORTS_DIR; default reports)

Any other option must be one the installed Jest accepts (npx jest --help).

Exit codes: 0 all selected tests passed (quarantined failures do not count; also when the marker selects no test),
1 failures, no test file matching the path patterns, or a cluster the preflight cannot use, 4 usage error,
130 interrupted.`;
