// Mistakes on the janitor, smoke and policy command lines (bad-input survey rows 100-118): one line naming the
// flag plus the usage, exit 2, never a stack trace, and before any cluster call. The cluster they point at is a
// closed loopback port: an unreachable cluster is the case under test, and the embedded one is shared.
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { execa } from 'execa';
import { mark } from '../../testsupport/index.ts';
import { policyCatalogue } from '../../testsupport/policy/catalogue.ts';
import { validateWaivers } from '../../testsupport/policy/waivers.ts';
import { projectRoot } from '../support/runner-process.ts';
import { closedLoopbackPort, writeKubeconfig } from '../support/scratch-kubeconfig.ts';

async function cli(name: 'janitor' | 'smoke' | 'policy', args: string[], env: Record<string, string> = {}) {
  const run = await execa(process.execPath, [path.join(projectRoot, 'testsupport', 'cli', `${name}.ts`), ...args], {
    cwd: projectRoot,
    env: { CHART_TESTWARE_OPTIONS: '', ...env },
    reject: false,
    all: true,
    timeout: 110_000,
  });
  return { exitCode: run.exitCode, output: run.all ?? '' };
}

const noStack = (output: string) => expect(output).not.toMatch(/\n\s+at |TypeError|RangeError|\[cause\]/);

mark('no_deploy').describe('janitor and smoke answer flag mistakes with one line and the usage', () => {
  test.each([
    ['janitor', ['--bogus'], 'janitor: unknown option --bogus'],
    ['janitor', ['--dry-rn'], 'janitor: unknown option --dry-rn; did you mean --dry-run?'],
    ['janitor', ['--force'], 'janitor: --force needs a value'],
    ['janitor', ['extra-positional'], 'janitor: unexpected argument "extra-positional"'],
    ['janitor', ['--force', 'Bad NS'], 'janitor: --force "Bad NS" is not a valid Kubernetes namespace name'],
    ['smoke', [], 'smoke: --namespace is required'],
    ['smoke', ['--namespace'], 'smoke: --namespace needs a value'],
    ['smoke', ['--namespace', 'ci', '--bogus'], 'smoke: unknown option --bogus'],
    ['smoke', ['--namespace='], 'smoke: --namespace "" is not a valid Kubernetes namespace name'],
    [
      'smoke',
      ['--namespace', 'a', '--namespace', 'b'],
      'smoke: --namespace is given twice: --namespace "a", then --namespace "b"',
    ],
    ['policy', ['--fail-on', 'error', '--fail-on=warning', 'charts/echo-server'], 'policy: --fail-on is given twice'],
    ['smoke', ['--namespace', 'ci', '--timeout', 'abc'], 'smoke: --timeout "abc" is not a number of seconds'],
    ['smoke', ['--namespace', 'ci', '--timeout', '-5'], 'smoke: --timeout needs a value'],
    ['smoke', ['--namespace', 'Bad NS!'], 'smoke: --namespace "Bad NS!" is not a valid Kubernetes namespace name'],
    ['smoke', ['--namespace', 'ci', '--selector', 'app in (a'], 'smoke: --selector: label selector "app in (a"'],
    ['smoke', ['--namespace', 'ci', '--values', 'no-such.yaml'], 'smoke: --values no-such.yaml: no such file'],
    ['smoke', ['--namespace', 'ci', '--timeout', '99999999'], 'smoke: --timeout 99999999 is more than a day'],
    ['smoke', ['--namespace', 'ci', '--chart', 'charts/no-such'], 'smoke: --chart charts/no-such: no such chart'],
    ['smoke', ['--namespace', 'ci', '--release', 'Bad_Name'], 'smoke: --release "Bad_Name" is not a valid helm'],
    ['janitor', ['--dry-run=yes'], "janitor: Option '--dry-run' does not take an argument"],
  ] as const)(
    '%s %j',
    async (name, args, message) => {
      // a kubeconfig whose server would refuse: none of these may get as far as asking it
      const kubeconfig = writeKubeconfig({ server: `https://127.0.0.1:${await closedLoopbackPort()}`, insecure: true });
      const run = await cli(name, [...args], { KUBECONFIG: kubeconfig });
      expect(run.output.split('\n')[0]).toContain(message);
      expect(run.output).toContain(`usage: npm run ${name}`);
      expect(run.output).not.toContain('cannot use the cluster');
      expect(run.exitCode).toBe(2);
      noStack(run.output);
    },
    120_000,
  );
});

mark('no_deploy').describe('janitor and smoke at an unreachable cluster', () => {
  test.each(['janitor', 'smoke'] as const)(
    '%s: one line naming the server and the cause',
    async (name) => {
      const port = await closedLoopbackPort();
      const kubeconfig = writeKubeconfig({ server: `https://127.0.0.1:${port}`, insecure: true });
      const run = await cli(name, name === 'smoke' ? ['--namespace', 'ci'] : [], { KUBECONFIG: kubeconfig });
      expect(run.output).toContain(
        `${name}: cannot use the cluster at https://127.0.0.1:${port} (kube context "scratch")`,
      );
      expect(run.output).toContain('connection refused');
      expect(run.exitCode).toBe(1);
      noStack(run.output);
    },
    120_000,
  );
});

mark('no_deploy').describe('policy input', () => {
  test('--kube-version that is not a version is a usage error naming the flag', async () => {
    const run = await cli('policy', ['charts/echo-server', '--kube-version', 'banana']);
    expect(run.output.split('\n')[0]).toBe(
      'policy: --kube-version "banana" is not a Kubernetes version (e.g. 1.31 or v1.31.2)',
    );
    expect(run.exitCode).toBe(2);
    expect(run.output).not.toContain('RENDER FAILED');
  }, 120_000);

  test('a waiver of an unknown check: did you mean, and the check ids listed once', () => {
    const known = policyCatalogue.map((check) => check.id);
    let message = '';
    try {
      validateWaivers([{ check: 'run-as-nonroot', reason: 'a reason' }], 'test call', [...known, ...known]);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('unknown check "run-as-nonroot" (did you mean run-as-non-root?)');
    const ids = message.split('check ids: ')[1]?.split(', ') ?? [];
    expect(ids.length).toBe(known.length);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
