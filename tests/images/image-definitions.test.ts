// The local image definitions (images/<name>/) as scripts/images.sh reads them: portable Containerfiles, explicit
// tags, references the charts use, and clear refusals of what the daemon-less builder cannot do.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { parse } from 'yaml';
import { mark } from '../../testsupport/index.ts';

// Containerfile syntax, not a JavaScript template.
// biome-ignore lint/suspicious/noTemplateCurlyInString: a Containerfile variable reference
const fromBase = 'FROM ${BASE}';
const root = path.resolve(import.meta.dirname, '..', '..');
const script = path.join(root, 'scripts', 'images.sh');

async function definitions(): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(path.join(root, 'images'), { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const files = await readdir(path.join(root, 'images', entry.name));
    if (files.includes('image.conf')) names.push(entry.name);
  }
  return names.sort();
}

mark('no_deploy').describe('local image definitions (images/*/image.conf + Containerfile)', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'ct-image-defs-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  test('the seven images exist, each Containerfile takes its base as a build ARG and has one FROM', async () => {
    expect(await definitions()).toEqual([
      'echo-server',
      'elasticsearch',
      'log-shipper',
      'sshd',
      'tango-cs',
      'tangodb',
      'tools',
    ]);
    for (const name of await definitions()) {
      const text = await readFile(path.join(root, 'images', name, 'Containerfile'), 'utf8');
      const lines = text.split('\n').filter((l) => /^[A-Z]+\s/.test(l));
      const arg = lines.findIndex((l) => /^ARG BASE=\S+/.test(l));
      const from = lines.findIndex((l) => l.startsWith('FROM '));
      expect({ name, arg: arg >= 0, argBeforeFrom: arg < from }).toEqual({ name, arg: true, argBeforeFrom: true });
      expect({ name, from: lines[from] }).toEqual({ name, from: fromBase });
      expect(lines.filter((l) => l.startsWith('FROM '))).toHaveLength(1);
    }
  });

  test('`images.sh refs` names chart-testware.local/<name>:<TAG>, never latest, and covers the tango-base chart', async () => {
    const { stdout } = await execa('bash', [script, 'refs']);
    const refs = stdout.split('\n').filter(Boolean);
    expect(refs).toHaveLength(7);
    for (const ref of refs) expect(ref).toMatch(/^chart-testware\.local\/[a-z-]+:(?!latest$)[\w.-]+$/);
    const values = parse(await readFile(path.join(root, 'charts', 'tango-base', 'values.yaml'), 'utf8')) as Record<
      string,
      { image?: { registry: string; image: string; tag: string } }
    >;
    const chartRefs = Object.values(values)
      .flatMap((v) => (v && typeof v === 'object' && v.image ? [v.image] : []))
      .map((i) => `${i.registry}/${i.image}:${i.tag}`);
    expect(chartRefs.length).toBeGreaterThanOrEqual(5);
    for (const ref of chartRefs) expect(refs).toContain(ref);
  });

  test('the logging chart deploys the elasticsearch and log-shipper tags by default', async () => {
    const { stdout } = await execa('bash', [script, 'refs']);
    const values = parse(await readFile(path.join(root, 'charts', 'logging', 'values.yaml'), 'utf8')) as Record<
      string,
      { image: { registry: string; image: string; tag: string } }
    >;
    for (const part of ['elasticsearch', 'shipper']) {
      const image = values[part]?.image;
      expect(stdout.split('\n')).toContain(`${image?.registry}/${image?.image}:${image?.tag}`);
    }
  });

  test('the echo-server chart deploys the echo-server tag by default (its appVersion)', async () => {
    const { stdout } = await execa('bash', [script, 'refs']);
    const chart = parse(await readFile(path.join(root, 'charts', 'echo-server', 'Chart.yaml'), 'utf8')) as {
      appVersion: string;
    };
    expect(stdout.split('\n')).toContain(`chart-testware.local/echo-server:${chart.appVersion}`);
  });

  test('an instruction the builder cannot run is refused with its file and line', async () => {
    const dir = path.join(scratch, 'add', 'bad');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'image.conf'), 'TAG=1.0-ct1\n');
    await writeFile(path.join(dir, 'Containerfile'), `ARG BASE=debian\n${fromBase}\n\nADD https://example.org/x /x\n`);
    const result = await execa('bash', [script, 'refs'], {
      reject: false,
      env: { CT_IMAGES_DIR: path.join(scratch, 'add') },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`${path.join(dir, 'Containerfile')}:4: instruction ADD is not supported`);
  });

  test('a latest or missing tag is refused', async () => {
    for (const conf of ['TAG=latest\n', '# no tag\n']) {
      const dir = path.join(scratch, `tag-${conf.length}`, 'img');
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'image.conf'), conf);
      await writeFile(path.join(dir, 'Containerfile'), `ARG BASE=debian\n${fromBase}\n`);
      const result = await execa('bash', [script, 'refs'], {
        reject: false,
        env: { CT_IMAGES_DIR: path.dirname(dir) },
      });
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain('TAG must be an explicit version (never latest)');
    }
  });

  test('multi-stage builds are refused (one FROM only)', async () => {
    const dir = path.join(scratch, 'multi', 'img');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'image.conf'), 'TAG=1-ct1\n');
    await writeFile(path.join(dir, 'Containerfile'), 'FROM a AS x\nFROM b\n');
    const result = await execa('bash', [script, 'refs'], { reject: false, env: { CT_IMAGES_DIR: path.dirname(dir) } });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/exactly one FROM is supported \(multi-stage builds are not\), found 2/);
  });
});
