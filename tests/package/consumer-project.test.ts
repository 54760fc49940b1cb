import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { resolveHelmBinary } from '../../testsupport/api/helm.ts';
import { kubeClients, loadOptions } from '../../testsupport/api/kube.ts';
import { mark } from '../../testsupport/index.ts';
import { apiStatus } from '../../testsupport/kube/kube-clients.ts';
import { projectRoot } from '../support/runner-process.ts';

// The package as another chart repository gets it: `npm pack`, `npm install <tarball>` into a fresh project with its
// own chart, tests and marker, then `npx chart-testware` there. npm fetches the package's dependencies from the
// registry (its cache makes that quick after the first run).

const scratch = mkdtempSync(path.join(os.tmpdir(), 'chart-testware-consumer-'));
let tarball = '';
let helmDir = '';

/** The environment of a person's shell in the consumer project: no identity of this run, helm on PATH. */
function consumerEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, ...extra };
  for (const name of ['CHART_TESTWARE_OPTIONS', 'CHART_TESTWARE_RUN_ID', 'CHART_TESTWARE_RUNNER_PID', 'JEST_WORKER_ID'])
    delete env[name];
  delete env.HELM_BIN;
  env.PATH = extra.PATH ?? `${helmDir}${path.delimiter}${process.env.PATH ?? ''}`;
  return env;
}

function run(cwd: string, file: string, args: readonly string[], extra: Record<string, string> = {}) {
  return execa(file, args, { cwd, env: consumerEnv(extra), extendEnv: false, reject: false, all: true });
}

function writeChart(dir: string): void {
  mkdirSync(path.join(dir, 'templates'), { recursive: true });
  writeFileSync(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: greeter\nversion: 0.2.0\n');
  writeFileSync(path.join(dir, 'values.yaml'), '# -- the greeting\ngreeting: hello\n');
  writeFileSync(
    path.join(dir, 'templates', 'deployment.yaml'),
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-greeter
spec:
  replicas: 1
  selector:
    matchLabels: { app.kubernetes.io/instance: {{ .Release.Name }} }
  template:
    metadata:
      labels: { app.kubernetes.io/instance: {{ .Release.Name }} }
    spec:
      containers:
        - name: greeter
          image: ${busyboxImage()}
          imagePullPolicy: Never
          command: [sh, -c, 'echo {{ .Values.greeting }}; exec sleep 3600']
          readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1 }
`,
  );
}

function busyboxImage(): string {
  const refs = execFileSync('bash', [path.join(projectRoot, 'scripts/cluster/base-images.sh'), 'refs'], {
    encoding: 'utf8',
  });
  const ref = refs.split('\n').find((line) => line.includes('/busybox:'));
  if (!ref) throw new Error(`no busybox image among the cluster's base images:\n${refs}`);
  return ref.trim();
}

beforeAll(async () => {
  helmDir = path.dirname((await resolveHelmBinary()).path);
  const packed = await execa('npm', ['pack', '--pack-destination', scratch, '--json'], {
    cwd: projectRoot,
    reject: false,
    all: true,
  });
  if (packed.exitCode !== 0) throw new Error(`npm pack failed:\n${packed.all}`);
  const [packedFile] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string }[];
  if (!packedFile) throw new Error(`npm pack named no tarball:\n${packed.all}`);
  tarball = path.join(scratch, packedFile.filename);
}, 300_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

mark('no_deploy').describe('the npm package', () => {
  test('the tarball ships the compiled library, its commands and cluster scripts, and no tests, fixtures or caches', () => {
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((file) => file.replace(/^package\//, ''));
    for (const needed of [
      'package.json',
      'jest-preset.js',
      'dist/testsupport/index.js',
      'dist/testsupport/index.d.ts',
      'dist/testsupport/api/policy.js',
      'dist/testsupport/cli/chart-testware.js',
      'scripts/cluster.sh',
      'images/echo-server/Containerfile',
      'charts/echo-server/Chart.yaml',
    ]) {
      expect(files).toContain(needed);
    }
    // helm test templates (charts/*/templates/tests/) belong to a chart; this repository's tests do not ship
    const forbiddenPattern =
      /^(tests|reports|coverage|node_modules|\.cache)\/|(^|\/)(fixtures|__pycache__)\/|\.test\.[jt]s$|\.pem$|\.key$|(^|\/)\.env/;
    const forbidden = files.filter((file) => forbiddenPattern.test(file));
    expect(forbidden).toEqual([]);
    expect(files.filter((file) => file.startsWith('dist/') && file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual(
      [],
    );
    const size = readFileSync(tarball).length;
    expect(size).toBeLessThan(2 * 1024 * 1024);
  });
});

mark('chart_deploy').describe('a consumer project with the package installed', () => {
  const consumer = path.join(scratch, 'consumer');

  beforeAll(async () => {
    mkdirSync(path.join(consumer, 'tests'), { recursive: true });
    writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'greeter-charts', private: true }));
    writeChart(path.join(consumer, 'charts', 'greeter'));
    writeFileSync(
      path.join(consumer, 'chart-testware.json'),
      JSON.stringify({ markers: { greeting: 'tests of the greeting value' } }),
    );
    writeFileSync(path.join(consumer, 'jest.config.mjs'), "export default { preset: 'chart-testware' };\n");
    writeFileSync(
      path.join(consumer, 'tests', 'render.test.ts'),
      `import { expect, test } from '@jest/globals';
import { HelmChart, mark } from 'chart-testware';

mark('no_deploy', 'greeting').describe('greeter chart', () => {
  test('says what it is given', async () => {
    const chart = await HelmChart.render('charts/greeter', { values: { greeting: 'yes' } });
    expect(chart.get('Deployment').spec?.template.spec?.containers[0]?.command?.[2]).toBe('echo yes; exec sleep 3600');
  });
});
`,
    );
    writeFileSync(
      path.join(consumer, 'tests', 'deploy.test.ts'),
      `import { expect, test } from '@jest/globals';
import { ChartDeployment, mark } from 'chart-testware';

mark('chart_deploy').describe('greeter release', () => {
  test('becomes ready and logs its greeting', async () => {
    await using release = await ChartDeployment.install('charts/greeter', { values: { greeting: 'hi-from-consumer' } });
    const pod = await release.pod();
    expect(await release.logs(pod.metadata!.name!)).toContain('hi-from-consumer');
  }, 240_000);
});
`,
    );
    const install = await run(consumer, 'npm', ['install', '--no-audit', '--no-fund', tarball]);
    if (install.exitCode !== 0) throw new Error(`npm install of the tarball failed:\n${install.all}`);
  }, 600_000);

  test('installs no aws-cdk-lib when helm is on PATH, and the bin answers --help with its commands', async () => {
    expect(existsSync(path.join(consumer, 'node_modules', 'aws-cdk-lib'))).toBe(false);
    expect(existsSync(path.join(consumer, 'node_modules', '@aws-cdk'))).toBe(false);
    const help = await run(consumer, 'npx', ['chart-testware', '--help']);
    expect(help.exitCode).toBe(0);
    for (const command of ['test', 'cluster', 'janitor', 'smoke', 'policy', 'init'])
      expect(help.stdout).toContain(command);
    const typo = await run(consumer, 'npx', ['chart-testware', 'janitr']);
    expect(typo.exitCode).toBe(4);
    expect(typo.all).toContain('unknown command "janitr"');
  }, 120_000);

  test('npx chart-testware runs its no_deploy tests and its own marker, with reports in its own folder', async () => {
    const result = await run(consumer, 'npx', ['chart-testware', '--marker', 'greeting', '--local-cluster', 'never']);
    expect(result.all).toContain('tests: 1 passed, 0 failed');
    expect(result.exitCode).toBe(0);
    expect(existsSync(path.join(consumer, 'reports', 'junit.xml'))).toBe(true);
    const unknown = await run(consumer, 'npx', ['chart-testware', '--marker', 'greting']);
    expect(unknown.exitCode).toBe(4);
    expect(unknown.all).toContain('greeting');
  }, 240_000);

  test('runs on the oldest Node it declares (22 LTS) as on 24', async () => {
    const engines = (
      JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { engines: { node: string } }
    ).engines.node;
    expect(engines).toBe('>=22.19');
    const node22 = path.join(scratch, 'node22');
    mkdirSync(node22, { recursive: true });
    const install = await run(node22, 'npm', [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefix',
      node22,
      'node@22.23.3',
    ]);
    if (install.exitCode !== 0) throw new Error(`npm install node@22 failed:\n${install.all}`);
    const bin = path.join(node22, 'node_modules', 'node', 'bin');
    const version = await run(consumer, path.join(bin, 'node'), ['--version']);
    expect(version.stdout.trim()).toMatch(/^v22\./);
    const result = await run(consumer, 'npx', ['chart-testware', '--marker', 'greeting', '--local-cluster', 'never'], {
      PATH: `${bin}${path.delimiter}${helmDir}${path.delimiter}${process.env.PATH ?? ''}`,
    });
    expect(result.all).toContain('tests: 1 passed, 0 failed');
    expect(result.exitCode).toBe(0);
  }, 300_000);

  test('npx chart-testware installs its chart into a job namespace of its own and cleans up', async () => {
    const options = loadOptions();
    const namespace = `${options.testNamespace}-consumer`.slice(0, 63);
    const args = [
      'chart-testware',
      '--marker',
      'chart_deploy',
      '--test-namespace',
      namespace,
      '--local-cluster',
      'never',
    ];
    if (options.kubeContext) args.push('--kube-context', options.kubeContext);
    const result = await run(consumer, 'npx', args, options.kubeconfig ? { KUBECONFIG: options.kubeconfig } : {});
    expect(result.all).toContain('tests: 1 passed, 0 failed');
    expect(result.exitCode).toBe(0);
  }, 420_000);

  test('chart-testware init writes a working setup into a repository that has only a chart, and keeps it after', async () => {
    const repo = path.join(scratch, 'fresh');
    writeChart(path.join(repo, 'deploy', 'greeter'));
    writeFileSync(path.join(repo, 'package.json'), JSON.stringify({ name: 'fresh', private: true }));
    // the installed package of the consumer above, linked, as `npm install <tarball>` would lay it out
    execFileSync('cp', ['-a', path.join(consumer, 'node_modules'), path.join(repo, 'node_modules')]);
    const init = await run(repo, 'npx', ['chart-testware', 'init']);
    expect(init.exitCode).toBe(0);
    for (const file of ['jest.config.mjs', 'tsconfig.json', 'chart-testware.json', '.gitlab-ci.yml']) {
      expect(init.stdout).toContain(`wrote    ${file}`);
    }
    expect(readdirSync(path.join(repo, 'tests')).sort()).toEqual(['greeter-deploy.test.ts', 'greeter-render.test.ts']);
    expect(readFileSync(path.join(repo, 'tests', 'greeter-render.test.ts'), 'utf8')).toContain("'deploy/greeter'");

    const again = await run(repo, 'npx', ['chart-testware', 'init']);
    expect(again.stdout).toContain('kept     jest.config.mjs (exists; --force overwrites it)');
    expect(again.stdout).toContain('0 file(s) written');

    const tests = await run(repo, 'npx', ['chart-testware', '--marker', 'no_deploy', '--local-cluster', 'never']);
    expect(tests.all).toMatch(/tests: [1-9]\d* passed, 0 failed/);
    expect(tests.exitCode).toBe(0);

    // Plain Jest, as an IDE runs one file: markers from the environment, ESM through Node's VM modules.
    const plain = await run(repo, 'npx', ['jest', 'tests/greeter-render.test.ts'], {
      NODE_OPTIONS: '--experimental-vm-modules --disable-warning=ExperimentalWarning',
      CHART_TESTWARE_MARKER: 'no_deploy and not quarantine',
    });
    expect(plain.all).toMatch(/Tests:\s+1 passed, 1 total/);
    expect(plain.exitCode).toBe(0);

    // A chart_deploy file under plain Jest: the preset's global setup and teardown create and delete the namespace.
    const options = loadOptions();
    const namespace = `${options.testNamespace}-plain`.slice(0, 63);
    const deploy = await run(repo, 'npx', ['jest', 'tests/greeter-deploy.test.ts'], {
      NODE_OPTIONS: '--experimental-vm-modules --disable-warning=ExperimentalWarning',
      CHART_TESTWARE_MARKER: 'chart_deploy',
      CHART_TESTWARE_NAMESPACE: namespace,
      ...(options.kubeconfig ? { KUBECONFIG: options.kubeconfig } : {}),
      ...(options.kubeContext ? { CHART_TESTWARE_KUBE_CONTEXT: options.kubeContext } : {}),
    });
    expect(deploy.all).toMatch(/Tests:\s+1 passed, 1 total/);
    expect(deploy.exitCode).toBe(0);
    const gone = await kubeClients(options)
      .core.readNamespace({ name: namespace })
      .then((ns) => ns.status?.phase === 'Terminating')
      .catch((error: unknown) => apiStatus(error) === 404);
    expect(gone).toBe(true);
  }, 420_000);
});
