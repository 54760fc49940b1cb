// The in-cluster run (`chart-testware --in-cluster --shards N`): started by the runner in place of Jest, with Jest's
// arguments. Creates a ServiceAccount, Role, RoleBinding and an Indexed Job in the job namespace, ships the
// workspace into each pod, streams each shard's output with a prefix, copies the results back and merges them
// into one Jest result file (the runner writes JUnit, the report and the exit code from it, as for a local run).
// Everything it created is deleted on every path (Ctrl-C and SIGTERM included); the runner deletes the namespace.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Log, type V1Pod } from '@kubernetes/client-node';
import {
  collectedMarker,
  createShardObjects,
  deleteShardObjects,
  podStateDir,
  podWorkspace,
  readyMarker,
  shardContainer,
  shardDoneLine,
  shardObjects,
} from '../cluster/in-cluster-job.ts';
import { ensureJobNamespace } from '../cluster/job-namespace.ts';
import { loadOptions, type RunOptions } from '../config/options.ts';
import { packageRoot } from '../config/package-root.ts';
import { ChartTestwareError } from '../errors.ts';
import { defaultEchoServerImage } from '../extras/echo-server.ts';
import { resolveHelmBinary } from '../helm/helm-binary.ts';
import { kubeClients } from '../kube/kube-clients.ts';
import { streamExec } from '../kube/pod-stream-exec.ts';
import { giveUp, waitUntil } from '../kube/wait-until.ts';
import type { JestFileResult, JestResults } from '../report/jest-results.ts';
import { clusterUsedMarker, runStateDir } from '../report/run-state.ts';
import { type InClusterArgs, inClusterEntry, inClusterEnvVar } from './in-cluster-args.ts';
import { packWorkspace } from './in-cluster-workspace.ts';

const shardEntry = fileURLToPath(new URL(`./in-cluster-shard${path.extname(inClusterEntry)}`, import.meta.url));
const podReports = `${podStateDir}/reports`;
const interruptedExit = 130;

interface Shard {
  readonly index: number;
  readonly pod: string;
  readonly prefix: string;
}

async function main(argv: readonly string[]): Promise<number> {
  const options = loadOptions();
  const inCluster = JSON.parse(process.env[inClusterEnvVar] ?? '{}') as InClusterArgs;
  const outputFile = argv.find((arg) => arg.startsWith('--outputFile='))?.slice('--outputFile='.length);
  if (!outputFile) throw new ChartTestwareError('in-cluster run: no --outputFile= given');
  const projectRoot = process.cwd();
  // the runner's --json output and its preset config (paths of this machine): the shard makes its own
  const jestArgs = argv
    .filter((_arg, i) => {
      const presetConfig = (at: number) => argv[at] === '--config' && argv[at + 1]?.startsWith('{');
      return !presetConfig(i) && !presetConfig(i - 1);
    })
    .filter((arg) => arg !== '--json' && !arg.startsWith('--outputFile='))
    .map((arg) => inPod(arg, projectRoot));

  const abort = new AbortController();
  const cleanups: (() => Promise<void>)[] = [];
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = true;
    console.error(`chart-testware: ${signal}: stopping the in-cluster shards and deleting their Job and RBAC`);
    abort.abort();
    void runCleanups(cleanups).finally(() => process.exit(interruptedExit));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

  try {
    mkdirSync(runStateDir(options), { recursive: true, mode: 0o700 });
    writeFileSync(clusterUsedMarker(options), 'in-cluster');
    // the Test stage (--deployed-namespace): the Job runs beside the deployed system, in its namespace
    const namespace = options.deployedNamespace ?? (await ensureJobNamespace(options));
    const name = `ct-shards-${options.runId}`
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .slice(0, 52);
    const image = inCluster.image ?? defaultEchoServerImage();
    const helm = await resolveHelmBinary();
    const helmTarget = '.chart-testware-shard/bin/helm';
    const shardOptions: RunOptions = {
      ...options,
      testNamespace: namespace,
      kubeconfig: `${podStateDir}/kubeconfig`,
      kubeContext: undefined,
      reportsDir: podReports,
      namespacePerFile: false,
    };
    const objects = shardObjects(options, {
      name,
      namespace,
      image,
      shards: inCluster.shards,
      entry: path.relative(projectRoot, shardEntry),
      env: {
        CHART_TESTWARE_OPTIONS: JSON.stringify(shardOptions),
        CHART_TESTWARE_SHARD_NAMESPACE: namespace,
        CHART_TESTWARE_SHARDS: String(inCluster.shards),
        CHART_TESTWARE_SHARD_ARGS: JSON.stringify(jestArgs),
        CHART_TESTWARE_SHARD_COLLECTED: collectedMarker,
        HELM_BIN: `${podWorkspace}/${helmTarget}`,
        ...(process.env.CHART_TESTWARE_ECHO_SERVER_IMAGE
          ? { CHART_TESTWARE_ECHO_SERVER_IMAGE: process.env.CHART_TESTWARE_ECHO_SERVER_IMAGE }
          : {}),
      },
    });
    cleanups.push(() => deleteShardObjects(options, objects));
    if (path.relative(projectRoot, shardEntry).startsWith('..')) {
      throw new ChartTestwareError(
        `chart-testware (${packageRoot}) is not installed inside the project ${projectRoot}`,
        {
          hint: 'install it into the project (npm install --save-dev chart-testware): --in-cluster ships the project folder',
        },
      );
    }
    await createShardObjects(options, objects);
    console.error(
      `chart-testware: in-cluster run: Job ${namespace}/${name}, ${inCluster.shards} shard(s), image ${image}`,
    );
    const shards = await runningShards(options, namespace, name, inCluster, abort.signal);
    const workspace = { projectRoot, packageRoot, reportsDir: options.reportsDir, helmBinary: helm.path, helmTarget };
    const started = Date.now();
    const exits = await Promise.all(
      shards.map(async (shard) => {
        await upload(options, namespace, shard, workspace);
        const exitCode = await followUntilDone(options, namespace, shard, abort.signal);
        await collect(options, namespace, shard, projectRoot);
        return exitCode;
      }),
    );
    console.error(`chart-testware: in-cluster shards finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    mergeResults(options, shards, outputFile);
    return exits.every((code) => code === 0) ? 0 : 1;
  } catch (error) {
    if (signalled) return await new Promise<number>(() => undefined); // the signal handler exits
    throw error;
  } finally {
    if (!signalled) await runCleanups(cleanups);
  }
}

async function runCleanups(cleanups: (() => Promise<void>)[]): Promise<void> {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      console.error(`chart-testware: in-cluster clean-up: ${(error as Error).message}`);
    }
  }
  cleanups.length = 0;
}

/** A path argument of the project (a --config file, a test path) as the pods see it. */
function inPod(arg: string, projectRoot: string): string {
  const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
  const value = equals > 0 ? arg.slice(equals + 1) : arg;
  if (!path.isAbsolute(value) || path.relative(projectRoot, value).startsWith('..')) return arg;
  const mapped = path.posix.join(podWorkspace, path.relative(projectRoot, value));
  return equals > 0 ? `${arg.slice(0, equals + 1)}${mapped}` : mapped;
}

/** The Job's pods once each is Running, by completion index; an image that cannot be pulled fails at once. */
async function runningShards(
  options: RunOptions,
  namespace: string,
  job: string,
  inCluster: InClusterArgs,
  signal: AbortSignal,
): Promise<Shard[]> {
  const { core } = kubeClients(options);
  let pods: V1Pod[] = [];
  await waitUntil(
    async () => {
      pods = (await core.listNamespacedPod({ namespace, labelSelector: `chart-testware.io/shards=${job}` })).items;
      for (const pod of pods) {
        const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
        if (waiting && /ErrImage|ImagePullBackOff|InvalidImageName|ErrImageNeverPull/.test(waiting.reason ?? '')) {
          giveUp(
            new ChartTestwareError(
              `the in-cluster shard pod ${pod.metadata?.name} cannot start its image: ${waiting.reason}: ${waiting.message ?? ''}`,
              { hint: '--image must name a Node image this cluster can pull' },
            ),
          );
        }
      }
      return pods.filter((pod) => pod.status?.phase === 'Running').length === inCluster.shards;
    },
    { timeout: 300_000, interval: 500, signal, description: `the ${inCluster.shards} pod(s) of Job ${job} to run` },
  );
  return pods
    .map((pod) => {
      const index = Number(pod.metadata?.annotations?.['batch.kubernetes.io/job-completion-index']);
      return { index, pod: pod.metadata?.name ?? '', prefix: `[shard ${index + 1}/${inCluster.shards}] ` };
    })
    .sort((a, b) => a.index - b.index);
}

/** The workspace as a tar stream over exec into the pod's emptyDir; then the marker the pod waits for. */
async function upload(
  options: RunOptions,
  namespace: string,
  shard: Shard,
  workspace: Parameters<typeof packWorkspace>[0],
): Promise<void> {
  const tar = packWorkspace(workspace);
  let tarErrors = '';
  tar.stderr.on('data', (chunk: Buffer) => {
    tarErrors += chunk.toString();
  });
  const tarExit = new Promise<number>((resolve) => tar.on('close', (code) => resolve(code ?? 1)));
  const where = { namespace, pod: shard.pod, container: shardContainer };
  const command = [
    'sh',
    '-c',
    `tar -x -f - -C ${podWorkspace} --no-same-owner --no-overwrite-dir && : > ${readyMarker}`,
  ];
  const result = await streamExec(options, where, command, { stdin: tar.stdout });
  const packed = await tarExit;
  if (packed !== 0 || result.exitCode !== 0) {
    throw new ChartTestwareError(
      `shipping the workspace to ${namespace}/${shard.pod} failed: ${packed !== 0 ? `tar here: ${tarErrors}` : `tar in the pod: ${result.stderr}`}`,
    );
  }
}

/** Streams the shard's output with its prefix until its done line; resolves with Jest's exit code in the pod. */
async function followUntilDone(
  options: RunOptions,
  namespace: string,
  shard: Shard,
  signal: AbortSignal,
): Promise<number> {
  let partial = '';
  let exitCode: number | undefined;
  const out = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith(shardDoneLine)) exitCode = Number(line.slice(shardDoneLine.length).trim());
        else process.stdout.write(`${shard.prefix}${line}\n`);
      }
      callback();
    },
  });
  // the log ends when the container does (after its results were collected); aborting it would only make the
  // client's stream throw, and an interrupted run exits anyway
  await new Log(kubeClients(options).config).log(namespace, shard.pod, shardContainer, out, { follow: true });
  await waitUntil(
    async () => {
      if (exitCode !== undefined) return true;
      const pod = await kubeClients(options).core.readNamespacedPod({ name: shard.pod, namespace });
      if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') {
        giveUp(
          new ChartTestwareError(
            `in-cluster shard pod ${namespace}/${shard.pod} ended (${pod.status.phase}) before its tests did: see its output above`,
          ),
        );
      }
      return false;
    },
    { timeout: 6 * 3600_000, interval: 1000, signal, description: `shard ${shard.index + 1} to finish` },
  );
  return exitCode ?? 1;
}

/** Copies the shard's reports folder out of the pod (tar over exec), then lets the pod end. */
async function collect(options: RunOptions, namespace: string, shard: Shard, projectRoot: string): Promise<void> {
  const target = shardResultsDir(options, shard);
  mkdirSync(target, { recursive: true });
  const untar = spawn('tar', ['-x', '-f', '-', '-C', target], { cwd: projectRoot, stdio: ['pipe', 'ignore', 'pipe'] });
  const untarExit = new Promise<number>((resolve) => untar.on('close', (code) => resolve(code ?? 1)));
  const where = { namespace, pod: shard.pod, container: shardContainer };
  const result = await streamExec(options, where, ['tar', '-c', '-f', '-', '-C', podReports, '.'], {
    stdout: untar.stdin,
  });
  untar.stdin.end();
  const extracted = await untarExit;
  await streamExec(options, where, ['sh', '-c', `: > ${collectedMarker}`], {});
  if (result.exitCode !== 0 || extracted !== 0) {
    throw new ChartTestwareError(`copying the results of ${namespace}/${shard.pod} failed: ${result.stderr}`);
  }
}

function shardResultsDir(options: RunOptions, shard: Shard): string {
  return path.join(runStateDir(options), `shard-${shard.index + 1}`);
}

/**
 * One Jest result file from the shards' (every test file ran in exactly one shard), their test records and their
 * artifacts beside the run's own, with the pods' paths made local.
 */
function mergeResults(options: RunOptions, shards: readonly Shard[], outputFile: string): void {
  const local = (text: string) =>
    text.replaceAll(podReports, options.reportsDir).replaceAll(`${podWorkspace}/`, `${process.cwd()}/`);
  const testResults: JestFileResult[] = [];
  for (const shard of shards) {
    const dir = shardResultsDir(options, shard);
    const state = path.join(dir, '.run', options.runId);
    const results = path.join(state, 'jest-results.json');
    if (existsSync(results))
      testResults.push(...(JSON.parse(local(readFileSync(results, 'utf8'))) as JestResults).testResults);
    else console.error(`chart-testware: shard ${shard.index + 1} wrote no Jest results`);
    for (const file of existsSync(state) ? readdirSync(state) : []) {
      if (!file.startsWith('tests-')) continue;
      const records = local(readFileSync(path.join(state, file), 'utf8'));
      writeFileSync(path.join(runStateDir(options), `tests-shard${shard.index + 1}-${file.slice(6)}`), records, {
        mode: 0o600,
      });
    }
    const artifacts = path.join(dir, 'artifacts');
    if (existsSync(artifacts)) cpSync(artifacts, path.join(options.reportsDir, 'artifacts'), { recursive: true });
  }
  writeFileSync(outputFile, JSON.stringify({ testResults }));
}

if (process.argv[1] === inClusterEntry) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`chart-testware: in-cluster run failed: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
