// The entry of one in-cluster shard, run in a pod of the Job (see in-cluster-run.ts): writes a kubeconfig for the
// pod's own ServiceAccount, runs Jest's shard JOB_COMPLETION_INDEX+1 of CHART_TESTWARE_SHARDS in the Job's
// namespace, says so on stdout, and waits until the runner outside has copied its results.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { shardDoneLine } from '../cluster/in-cluster-job.ts';
import { loadOptions } from '../config/options.ts';
import { runStateDir } from '../report/run-state.ts';
import { defaultJestConfig, jestBin } from './jest-project.ts';

const serviceAccount = '/var/run/secrets/kubernetes.io/serviceaccount';

async function main(): Promise<void> {
  const options = loadOptions();
  const index = Number(process.env.JOB_COMPLETION_INDEX);
  const shards = Number(process.env.CHART_TESTWARE_SHARDS);
  const jestArgs = JSON.parse(process.env.CHART_TESTWARE_SHARD_ARGS ?? '[]') as string[];
  if (!options.kubeconfig) throw new Error('the shard options name no kubeconfig');
  writeServiceAccountKubeconfig(options.kubeconfig, options.testNamespace);
  const stateDir = runStateDir(options);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const projectRoot = process.cwd();
  const jest = await execa(
    process.execPath,
    [
      '--experimental-vm-modules',
      '--disable-warning=ExperimentalWarning',
      jestBin(),
      '--json',
      `--outputFile=${path.join(stateDir, 'jest-results.json')}`,
      `--shard=${index + 1}/${shards}`,
      ...defaultJestConfig(projectRoot, jestArgs),
      ...jestArgs,
    ],
    { cwd: projectRoot, stdio: 'inherit', reject: false, env: { KUBECONFIG: options.kubeconfig } },
  );
  await finish(jest.exitCode ?? 1);
}

/**
 * Says the shard is done and waits until its results were copied out. The outcome travels in the results: the pod
 * always exits 0, since one failed pod would make the Job controller stop the other shards.
 */
async function finish(exitCode: number): Promise<never> {
  console.log(`${shardDoneLine} ${exitCode}`);
  const collected = process.env.CHART_TESTWARE_SHARD_COLLECTED ?? '';
  const deadline = Date.now() + 15 * 60_000;
  while (!existsSync(collected) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  process.exit(0);
}

/** The pod's ServiceAccount as a kubeconfig (for the client and for helm); it lives in the pod's emptyDir only. */
function writeServiceAccountKubeconfig(file: string, namespace: string): void {
  const host = process.env.KUBERNETES_SERVICE_HOST ?? '';
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${process.env.KUBERNETES_SERVICE_PORT}`;
  const token = readFileSync(path.join(serviceAccount, 'token'), 'utf8').trim();
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'in-cluster', cluster: { server, 'certificate-authority': `${serviceAccount}/ca.crt` } }],
    users: [{ name: 'shard', user: { token } }],
    contexts: [{ name: 'shard', context: { cluster: 'in-cluster', user: 'shard', namespace } }],
    'current-context': 'shard',
  };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(kubeconfig), { mode: 0o600 });
}

main().catch((error: unknown) => {
  console.error(`chart-testware shard: ${(error as Error).stack ?? String(error)}`);
  return finish(1);
});
