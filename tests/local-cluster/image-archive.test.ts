import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { mark } from '../../testsupport/index.ts';
import { repoRoot } from './local-cluster.ts';

const archivePy = path.join(repoRoot, 'scripts/images/archive.py');
let work: string;
let rootfs: string;

async function tarList(file: string, ...member: string[]): Promise<string[]> {
  const { stdout } = await execa('tar', ['-tvf', file, '--numeric-owner', ...member]);
  return stdout.split('\n');
}

async function tarRead(file: string, member: string): Promise<Buffer> {
  const { stdout } = await execa('tar', ['-xOf', file, member], { encoding: 'buffer' });
  return Buffer.from(stdout);
}

mark('no_deploy').describe('scripts/images/archive.py: docker-archive tarballs from a rootfs tree', () => {
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-archive-'));
    rootfs = path.join(work, 'rootfs');
    for (const dir of ['bin', 'etc', 'proc/1', 'tmp', 'dev', 'var/lib/mysql']) {
      fs.mkdirSync(path.join(rootfs, dir), { recursive: true });
    }
    fs.writeFileSync(path.join(rootfs, 'bin/tool'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
    fs.writeFileSync(path.join(rootfs, 'etc/config'), 'x=1\n');
    fs.linkSync(path.join(rootfs, 'etc/config'), path.join(rootfs, 'etc/config-link'));
    fs.symlinkSync('../etc', path.join(rootfs, 'bin/etc'));
    fs.writeFileSync(path.join(rootfs, 'var/lib/mysql/ibdata'), 'data');
    fs.chownSync(path.join(rootfs, 'var/lib/mysql'), 100, 101);
    fs.chownSync(path.join(rootfs, 'var/lib/mysql/ibdata'), 100, 101);
    fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777);
    fs.writeFileSync(path.join(rootfs, 'proc/1/status'), 'left out');
    fs.writeFileSync(path.join(rootfs, 'tmp/junk'), 'left out');
  });

  afterAll(() => {
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('writes manifest.json, a config with the diff_id of its one layer, and keeps owners and modes', async () => {
    const out = path.join(work, 'image.tar');
    await execa('python3', [
      archivePy,
      '--rootfs',
      rootfs,
      '--tag',
      'chart-testware.local/sample:1.0-ct1',
      '--out',
      out,
      '--entrypoint',
      '["/bin/tool"]',
      '--env',
      'MODE=test',
      '--user',
      '100:101',
      '--label',
      'purpose=test',
    ]);
    const manifest = JSON.parse((await tarRead(out, 'manifest.json')).toString()) as {
      Config: string;
      RepoTags: string[];
      Layers: string[];
    }[];
    expect(manifest).toHaveLength(1);
    expect(manifest[0]?.RepoTags).toEqual(['chart-testware.local/sample:1.0-ct1']);
    expect(manifest[0]?.Layers).toHaveLength(1);
    const config = JSON.parse((await tarRead(out, manifest[0]?.Config ?? '')).toString());
    expect(config.config.Entrypoint).toEqual(['/bin/tool']);
    expect(config.config.Env).toContain('MODE=test');
    expect(config.config.Env.some((e: string) => e.startsWith('PATH='))).toBe(true);
    expect(config.config.User).toBe('100:101');
    expect(config.config.Labels).toEqual({ purpose: 'test' });

    const layer = await tarRead(out, manifest[0]?.Layers[0] ?? '');
    const { createHash } = await import('node:crypto');
    expect(config.rootfs.diff_ids).toEqual([`sha256:${createHash('sha256').update(layer).digest('hex')}`]);

    const layerFile = path.join(work, 'layer.tar');
    fs.writeFileSync(layerFile, layer);
    const entries = await tarList(layerFile);
    const line = (name: string) => entries.find((e) => e.endsWith(` ${name}`) || e.includes(` ${name} `)) ?? '';
    expect(line('var/lib/mysql/ibdata')).toMatch(/^-rw-r--r-- 100\/101 /);
    expect(line('bin/tool')).toMatch(/^-rwxr-xr-x 0\/0 /);
    expect(line('tmp/')).toMatch(/^drwxrwxrwt /);
    expect(entries.some((e) => e.includes('etc/config-link link to etc/config'))).toBe(true);
    expect(entries.some((e) => e.includes('bin/etc -> ../etc'))).toBe(true);
    // the directories stay, their contents do not
    expect(entries.some((e) => e.endsWith(' proc/'))).toBe(true);
    expect(entries.some((e) => e.includes('proc/1') || e.includes('tmp/junk'))).toBe(false);
  });

  test('refuses a missing tag, "latest" and a missing rootfs', async () => {
    const out = path.join(work, 'bad.tar');
    for (const [tag, dir] of [
      ['chart-testware.local/sample', rootfs],
      ['chart-testware.local/sample:latest', rootfs],
      ['chart-testware.local/sample:1', path.join(work, 'nope')],
    ] as const) {
      const result = await execa('python3', [archivePy, '--rootfs', dir, '--tag', tag, '--out', out], {
        reject: false,
      });
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/^archive\.py: error: /);
    }
    expect(fs.existsSync(out)).toBe(false);
  });
});
