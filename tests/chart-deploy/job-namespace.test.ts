import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { ensureJobNamespace } from '../../testsupport/cluster/job-namespace.ts';
import { deleteExpiredNamespaces, releaseRunNamespaces } from '../../testsupport/cluster/namespace-cleanup.ts';
import {
  expiresAtAnnotation,
  keptAnnotation,
  managedByLabel,
  managedByValue,
  ownerAnnotation,
  runIdLabel,
} from '../../testsupport/cluster/namespace-ownership.ts';
import { type RunOptions, resolveOptions } from '../../testsupport/config/options.ts';
import { ConfigError, mark } from '../../testsupport/index.ts';
import { apiStatus, kubeClients } from '../../testsupport/kube/kube-clients.ts';
import { projectRoot } from './fixtures.ts';

const suffix = randomBytes(3).toString('hex');
const created = new Set<string>();

function runOptions(name: string, runId: string, flags: Parameters<typeof resolveOptions>[0] = {}): RunOptions {
  created.add(name);
  return resolveOptions(
    { testNamespace: name, ...flags },
    { ...process.env, CHART_TESTWARE_RUN_ID: runId, CHART_TESTWARE_OPTIONS: '' },
    projectRoot,
  );
}

const core = () => kubeClients(runOptions('ct-unused', 'x')).core;

async function exists(name: string): Promise<boolean> {
  try {
    await core().readNamespace({ name });
    return true;
  } catch (error) {
    if (apiStatus(error) === 404) return false;
    throw error;
  }
}

/** A namespace that looks like one a chart-testware run made earlier. */
async function plantOurs(name: string, runId: string, annotations: Record<string, string>): Promise<string> {
  created.add(name);
  const ns = await core().createNamespace({
    body: { metadata: { name, labels: { [managedByLabel]: managedByValue, [runIdLabel]: runId }, annotations } },
  });
  return ns.metadata?.uid ?? '';
}

afterAll(async () => {
  await Promise.all(
    [...created].map((name) =>
      core()
        .deleteNamespace({ name })
        .catch(() => undefined),
    ),
  );
});

mark('chart_deploy').describe('job namespace', () => {
  test('is created once, labelled as ours, when several processes ask at the same time', async () => {
    const name = `ct-jn-race-${suffix}`;
    const runId = `race-${suffix}`;
    const options = runOptions(name, runId);
    const script = path.join(projectRoot, 'testsupport', 'cluster', 'job-namespace.ts');
    const child = `import { ensureJobNamespace } from ${JSON.stringify(script)};
      console.log(await ensureJobNamespace(JSON.parse(process.env.CT_TEST_OPTIONS)));`;
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        execa(process.execPath, ['--input-type=module', '-e', child], {
          env: { CT_TEST_OPTIONS: JSON.stringify(options) },
          reject: false,
        }),
      ),
    );
    for (const result of results) {
      if (result.exitCode !== 0) throw new Error(`a creator failed (exit ${result.exitCode}): ${result.stderr}`);
      expect(result.stdout.trim().split('\n').pop()).toBe(name);
    }
    const ns = await core().readNamespace({ name });
    expect(ns.metadata?.labels?.[managedByLabel]).toBe(managedByValue);
    expect(ns.metadata?.labels?.[runIdLabel]).toBe(runId);
    const expires = Date.parse(ns.metadata?.annotations?.[expiresAtAnnotation] ?? '');
    expect(expires - Date.now()).toBeGreaterThan(options.timeouts.namespaceTtlMs - 120_000);
    expect(JSON.parse(ns.metadata?.annotations?.[ownerAnnotation] ?? '{}').pid).toBeGreaterThan(0);

    await releaseRunNamespaces(options, { failed: false });
    expect(await exists(name)).toBe(false);
  }, 120_000);

  test('never touches a namespace that is not ours: ConfigError, and it survives', async () => {
    const name = `ct-jn-foreign-${suffix}`;
    created.add(name);
    await core().createNamespace({ body: { metadata: { name } } });
    const options = runOptions(name, `foreign-${suffix}`);
    await expect(ensureJobNamespace(options)).rejects.toThrow(ConfigError);
    await expect(ensureJobNamespace(options)).rejects.toThrow(/not created by chart-testware/);
    await releaseRunNamespaces(options, { failed: false });
    expect(await exists(name)).toBe(true);
  }, 60_000);

  test('replaces an expired namespace of an earlier run', async () => {
    const name = `ct-jn-expired-${suffix}`;
    const oldUid = await plantOurs(name, `old-${suffix}`, {
      [expiresAtAnnotation]: new Date(Date.now() - 60_000).toISOString(),
    });
    const options = runOptions(name, `new-${suffix}`);
    expect(await ensureJobNamespace(options)).toBe(name);
    const ns = await core().readNamespace({ name });
    expect(ns.metadata?.uid).not.toBe(oldUid);
    expect(ns.metadata?.labels?.[runIdLabel]).toBe(`new-${suffix}`);
    await releaseRunNamespaces(options, { failed: false });
    expect(await exists(name)).toBe(false);
  }, 120_000);

  test('replaces a namespace whose run was killed (owner process gone) before it expired', async () => {
    const name = `ct-jn-killed-${suffix}`;
    const child = await execa(process.execPath, ['-e', 'console.log(process.pid)']);
    const oldUid = await plantOurs(name, `killed-${suffix}`, {
      [expiresAtAnnotation]: new Date(Date.now() + 3_600_000).toISOString(),
      [ownerAnnotation]: JSON.stringify({
        host: (await import('node:os')).hostname(),
        boot: (await import('node:fs')).readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
        pid: Number(child.stdout),
        start: '1',
      }),
    });
    const options = runOptions(name, `next-${suffix}`);
    expect(await ensureJobNamespace(options)).toBe(name);
    const ns = await core().readNamespace({ name });
    expect(ns.metadata?.uid).not.toBe(oldUid);
    expect(ns.metadata?.labels?.[runIdLabel]).toBe(`next-${suffix}`);
    await releaseRunNamespaces(options, { failed: false });
  }, 120_000);

  test('refuses a namespace of another run that is still alive', async () => {
    const name = `ct-jn-alive-${suffix}`;
    // owned by this very process: alive
    const { stdout: start } = await execa('sh', ['-c', `cut -d' ' -f22 /proc/${process.pid}/stat`]);
    const owner = {
      host: (await import('node:os')).hostname(),
      boot: (await import('node:fs')).readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
      pid: process.pid,
      start: start.trim(),
    };
    await plantOurs(name, `alive-${suffix}`, {
      [expiresAtAnnotation]: new Date(Date.now() + 3_600_000).toISOString(),
      [ownerAnnotation]: JSON.stringify(owner),
    });
    await expect(ensureJobNamespace(runOptions(name, `other-${suffix}`))).rejects.toThrow(/another chart-testware run/);
    expect(await exists(name)).toBe(true);
    expect(await deleteExpiredNamespaces(runOptions(name, `other-${suffix}`), { dryRun: true })).not.toContain(name);
  }, 60_000);

  test('the janitor deletes namespaces whose run died (not kept) and leaves kept ones until they expire', async () => {
    const dead = `ct-jn-dead-${suffix}`;
    const kept = `ct-jn-kept-${suffix}`;
    const child = await execa(process.execPath, ['-e', 'console.log(process.pid)']);
    const owner = JSON.stringify({
      host: (await import('node:os')).hostname(),
      boot: (await import('node:fs')).readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
      pid: Number(child.stdout),
      start: '1',
    });
    const future = new Date(Date.now() + 3_600_000).toISOString();
    await plantOurs(dead, `dead-${suffix}`, { [expiresAtAnnotation]: future, [ownerAnnotation]: owner });
    await plantOurs(kept, `kept-${suffix}`, {
      [expiresAtAnnotation]: future,
      [ownerAnnotation]: owner,
      [keptAnnotation]: 'true',
    });
    const janitor = await execa(process.execPath, [path.join(projectRoot, 'testsupport', 'cli', 'janitor.ts')], {
      env: { CHART_TESTWARE_OPTIONS: '', CHART_TESTWARE_RUN_ID: `janitor-${suffix}` },
      reject: false,
    });
    expect({ exitCode: janitor.exitCode, stderr: janitor.stderr }).toEqual({ exitCode: 0, stderr: '' });
    expect(janitor.stdout).toContain(`janitor: deleted ${dead}: its runner (pid ${child.stdout}) on this host is gone`);
    // the kept one is listed as left alone, with the reason
    expect(janitor.stdout).toMatch(new RegExp(`janitor: left alone ${kept}: kept \\(--keep\\) until ${future}`));
    expect(janitor.stdout).not.toContain(`deleted ${kept}`);
    expect(await exists(dead)).toBe(false);
    expect(await exists(kept)).toBe(true);
  }, 120_000);

  test('--keep always keeps the namespace, marks it kept and leaves its expiry', async () => {
    const name = `ct-jn-keep-${suffix}`;
    const options = runOptions(name, `keep-${suffix}`, { keep: 'always' });
    await ensureJobNamespace(options);
    await releaseRunNamespaces(options, { failed: false });
    const ns = await core().readNamespace({ name });
    expect(ns.metadata?.annotations?.[keptAnnotation]).toBe('true');
    expect(Date.parse(ns.metadata?.annotations?.[expiresAtAnnotation] ?? '')).toBeGreaterThan(Date.now());
    // on-failure keeps only failed runs
    const onFailure = runOptions(name, `keep-${suffix}`, { keep: 'on-failure' });
    await releaseRunNamespaces(onFailure, { failed: false });
    expect(await exists(name)).toBe(false);
  }, 120_000);

  test('--namespace-per-file gives each test file its own namespace of the run; releasing deletes them all', async () => {
    const runId = `per-file-${suffix}`;
    const options = runOptions(`ct-jn-pf-${suffix}`, runId, { namespacePerFile: true });
    const first = await ensureJobNamespace(options, path.join(projectRoot, 'tests', 'a', 'first.test.ts'));
    const second = await ensureJobNamespace(options, path.join(projectRoot, 'tests', 'b', 'Second_One.test.ts'));
    created.add(first);
    created.add(second);
    expect(first).toMatch(new RegExp(`^ct-jn-pf-${suffix}-first-[0-9a-f]{6}$`));
    expect(second).toMatch(new RegExp(`^ct-jn-pf-${suffix}-second-one-[0-9a-f]{6}$`));
    for (const name of [first, second]) {
      expect((await core().readNamespace({ name })).metadata?.labels?.[runIdLabel]).toBe(runId);
    }
    await releaseRunNamespaces(options, { failed: false });
    expect(await exists(first)).toBe(false);
    expect(await exists(second)).toBe(false);
  }, 120_000);

  test('releasing a run also deletes the PersistentVolumes bound to claims in its namespaces', async () => {
    const name = `ct-jn-pv-${suffix}`;
    const options = runOptions(name, `pv-${suffix}`);
    await ensureJobNamespace(options);
    const pvName = `ct-jn-pv-${suffix}`;
    await core().createPersistentVolume({
      body: {
        metadata: { name: pvName },
        spec: {
          storageClassName: `none-${suffix}`,
          capacity: { storage: '1Mi' },
          accessModes: ['ReadWriteOnce'],
          claimRef: { namespace: name, name: 'data' },
          hostPath: { path: `/tmp/chart-testware-fixtures/${pvName}` },
        },
      },
    });
    try {
      await releaseRunNamespaces(options, { failed: false });
      expect(await exists(name)).toBe(false);
      await expect(core().readPersistentVolume({ name: pvName })).rejects.toMatchObject({ code: 404 });
    } finally {
      await core()
        .deletePersistentVolume({ name: pvName })
        .catch(() => undefined);
    }
  }, 120_000);
});
