#!/usr/bin/env node
// The test runner: `npm test -- [--marker EXPR] [options] [jest args]`. Runs Jest in a child process so that the
// job namespace is cleaned up whatever happens to Jest (a failure, Ctrl-C, SIGTERM from CI).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { optionsEnvVar, type RunOptions, resolveOptions } from '../config/options.ts';
import { ChartTestwareError } from '../errors.ts';
import { closeCacheRoot } from '../helm/cache-dir.ts';
import { ClusterUnreachableError } from '../kube/cluster-unreachable-error.ts';
import { readJestResults } from '../report/jest-results.ts';
import { afterAllArtifacts, inventoryProperties } from '../report/junit-properties.ts';
import { clusterUsedMarker, readTestRecords, removeRunStateOnExit, runStateDir } from '../report/run-state.ts';
import { finishRunReport, startRunReport } from '../report/write-run-report.ts';
import { ciShardArgs, filesOutsideEmptyShard } from './ci-shard.ts';
import {
  checkInClusterImage,
  inClusterEntry,
  inClusterEnvVar,
  inClusterUsage,
  takeInClusterArgs,
} from './in-cluster-args.ts';
import { defaultJestConfig, jestBin } from './jest-project.ts';
import { junitReport } from './junit-report.ts';
import { localClusterKubeconfig, usesEmbeddedCluster } from './local-cluster.ts';
import { markerSelection, selectionMayInclude } from './marker-selection.ts';
import { preflight } from './preflight.ts';
import { prepareReportsDir } from './reports-dir.ts';
import { type RunSummary, runFailed, summarizeRun } from './run-summary.ts';
import { parseRunnerArgs, runnerUsage } from './runner-args.ts';
import { checkRunnerEnv } from './runner-env.ts';

// The project under test is the one the runner is started in (a consumer's chart repository, or this one).
const projectRoot = process.cwd();
const usageError = 4;
const interruptedExit = 130;

async function main(argv: readonly string[]): Promise<number> {
  let args: ReturnType<typeof parseRunnerArgs>;
  let options: RunOptions;
  let selection: ReturnType<typeof markerSelection>;
  let shardArgs: string[];
  let inCluster: ReturnType<typeof takeInClusterArgs>['inCluster'];
  try {
    const taken = takeInClusterArgs(argv);
    inCluster = taken.inCluster;
    args = parseRunnerArgs(taken.rest);
    if (args.help) {
      console.log(runnerUsage + inClusterUsage);
      return 0;
    }
    options = resolveOptions(args.flags);
    checkRunnerEnv();
    selection = markerSelection(options);
    // --in-cluster makes its own shards (and refuses --shard): GitLab's parallel jobs do not split it further
    shardArgs = inCluster ? [] : ciShardArgs(args.jestArgs, process.env);
    if (shardArgs.length > 0) console.error(`chart-testware: CI_NODE_INDEX/CI_NODE_TOTAL: Jest ${shardArgs[0]}`);
    startRunReport(options.reportsDir);
  } catch (error) {
    return reportUsageError(error);
  }

  const needsCluster =
    inCluster !== undefined || selectionMayInclude(selection, 'chart_deploy', options.markers, ['no_deploy']);
  let kubeconfig: string | undefined;
  try {
    prepareReportsDir(
      options.reportsDir,
      options.sources.reportsDir,
      args.flags.reportsDir ?? process.env.CHART_TESTWARE_REPORTS_DIR,
    );
    const kubeContext = options.kubeContext
      ? { name: options.kubeContext, givenAs: options.sources.kubeContext }
      : undefined;
    if (inCluster)
      await checkInClusterImage(
        inCluster,
        usesEmbeddedCluster(args.localCluster, true, process.env, kubeContext),
        options,
      );
    kubeconfig = await localClusterKubeconfig(args.localCluster, needsCluster, process.env, kubeContext);
    if (kubeconfig)
      options = resolveOptions(args.flags, {
        ...process.env,
        KUBECONFIG: kubeconfig,
        CHART_TESTWARE_RUN_ID: options.runId,
      });
    if (needsCluster) await preflight(options);
  } catch (error) {
    if (error instanceof ClusterUnreachableError) {
      console.error(`chart-testware: ${error.message}`);
      return 1;
    }
    return reportUsageError(error);
  }

  const stateDir = runStateDir(options);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  removeRunStateOnExit(options);
  closeCacheRoot();
  const jestResultsFile = path.join(stateDir, 'jest-results.json');
  const jestArgv = [...defaultJestConfig(projectRoot, args.jestArgs), ...args.jestArgs, ...shardArgs];
  const jestEnv = {
    [optionsEnvVar]: JSON.stringify(options),
    // the job namespace records this process as its owner: after a SIGKILL here, the janitor may delete it
    CHART_TESTWARE_RUNNER_PID: String(process.pid),
    ...(inCluster ? { [inClusterEnvVar]: JSON.stringify(inCluster) } : {}),
    ...(kubeconfig ? { KUBECONFIG: kubeconfig } : {}),
  };
  const jest = execa(
    process.execPath,
    [
      '--experimental-vm-modules',
      '--disable-warning=ExperimentalWarning',
      inCluster ? inClusterEntry : jestBin(),
      '--json',
      `--outputFile=${jestResultsFile}`,
      ...jestArgv,
    ],
    {
      cwd: projectRoot,
      env: jestEnv,
      stdio: 'inherit',
      reject: false,
      detached: true,
    },
  );
  const interrupted = handleInterrupts(jest);
  const heartbeat = await startHeartbeat(options);
  const jestExit = (await jest).exitCode ?? interruptedExit;

  const records = readTestRecords(options);
  const jestResults = readJestResults(jestResultsFile);
  const summary = summarizeRun(records, jestResults);
  if (jestResults) writeJunit(options, jestResults, records);
  finishRunReport({ ...options, rootDir: projectRoot, records, jest: jestResults, interrupted: interrupted.value });

  const failed = interrupted.value || runFailed(summary) || (jestResults === undefined && jestExit !== 0);
  if (existsSync(clusterUsedMarker(options))) await releaseNamespaces(options, failed);
  heartbeat.stop();
  if (interrupted.value) {
    console.error('chart-testware: interrupted; the job namespace was cleaned up');
    return interruptedExit;
  }
  if (records.size === 0 && (jestResults?.testResults.length ?? 0) === 0) {
    // no test file ran (no file matched the path patterns, or Jest stopped first): Jest said why; its exit code
    // stands (0 only with --passWithNoTests), and the marker selection is not to blame; but a CI shard may be empty
    // while the other shards hold every file
    const elsewhere =
      jestExit !== 0 && shardArgs.length > 0 ? await filesOutsideEmptyShard(jestArgv, jestEnv, projectRoot) : 0;
    if (elsewhere > 0) {
      console.log(`chart-testware: ${shardArgs[0]} holds none of the ${elsewhere} test files; nothing to run here`);
      return 0;
    }
    return jestExit;
  }
  printSummary(summary, selection.description);
  if (jestResults === undefined && jestExit !== 0) return jestExit;
  return runFailed(summary) ? 1 : 0;
}

/**
 * SIGINT/SIGTERM/SIGHUP: stop Jest and all its workers (their own process group), then clean up as after any run.
 * npm delivers SIGINT and SIGTERM here because its scripts `exec` the runner (a shell in between keeps SIGINT and
 * dies of SIGTERM without passing either on).
 */
function handleInterrupts(jest: ResultPromise): { value: boolean } {
  const interrupted = { value: false };
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupted.value = true;
    signals++;
    const group = -(jest.pid ?? 0);
    if (!jest.pid) return;
    try {
      process.kill(group, signals === 1 ? signal : 'SIGKILL');
    } catch {
      // already gone
    }
    if (signals === 1) {
      console.error(`\nchart-testware: ${signal}: stopping Jest, then deleting the job namespace (again to force)`);
      setTimeout(() => {
        try {
          process.kill(group, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 10_000).unref();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  return interrupted;
}

/** The run's heartbeat (a Lease in each of its namespaces, renewed while this process lives): see run-heartbeat.ts. */
async function startHeartbeat(options: RunOptions): Promise<{ stop(): void }> {
  const { startRunHeartbeat } = await import('../cluster/run-heartbeat.ts');
  const { runNamespaces } = await import('../cluster/namespace-cleanup.ts');
  return startRunHeartbeat(
    options,
    () => existsSync(clusterUsedMarker(options)),
    async () => (await runNamespaces(options)).map((ns) => ns.metadata?.name ?? '').filter(Boolean),
  );
}

async function releaseNamespaces(options: RunOptions, failed: boolean): Promise<void> {
  try {
    const { releaseRunNamespaces }: typeof import('../cluster/namespace-cleanup.ts') = await import(
      '../cluster/namespace-cleanup.ts'
    );
    await releaseRunNamespaces(options, { failed });
  } catch (error) {
    console.error(`chart-testware: cleaning up the job namespace failed: ${(error as Error).message}`);
  }
}

function writeJunit(
  options: RunOptions,
  jestResults: Parameters<typeof junitReport>[0],
  records: Parameters<typeof junitReport>[1],
): void {
  mkdirSync(options.reportsDir, { recursive: true });
  const extras = {
    properties: inventoryProperties(options.reportsDir),
    hookArtifacts: afterAllArtifacts(options.reportsDir, projectRoot),
  };
  writeFileSync(path.join(options.reportsDir, 'junit.xml'), junitReport(jestResults, records, projectRoot, extras));
}

function printSummary(summary: RunSummary, selection: string): void {
  const selected = summary.passed + summary.failed.length + summary.quarantinedFailed.length + summary.skipped;
  if (selected === 0 && summary.suiteErrors.length === 0) {
    console.log(`chart-testware: no test matches ${selection} (${summary.deselected} deselected); nothing to run`);
    return;
  }
  for (const name of summary.quarantinedFailed)
    console.log(`chart-testware: quarantined test failed (does not fail the run): ${name}`);
  for (const error of summary.suiteErrors) {
    console.log(
      `chart-testware: test file failed outside its tests${error.quarantined ? ' (quarantined)' : ''}: ${path.relative(projectRoot, error.testPath)}`,
    );
  }
  const parts = [`${summary.passed} passed`, `${summary.failed.length} failed`];
  if (summary.skipped > 0) parts.push(`${summary.skipped} skipped`);
  console.log(
    `chart-testware: ${selection}: ${summary.deselected} deselected, ${summary.quarantinedFailed.length} quarantined failures`,
  );
  console.log(`tests: ${parts.join(', ')}`);
}

function reportUsageError(error: unknown): number {
  if (error instanceof ChartTestwareError) {
    console.error(`chart-testware: ${error.message}`);
    return usageError;
  }
  throw error;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`chart-testware: ${error instanceof ChartTestwareError ? error.message : (error as Error).stack}`);
    process.exit(error instanceof ChartTestwareError ? usageError : 1);
  },
);
