import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import {
  clearMemoryRenderCache,
  pruneRenderCache,
  renderCacheDir,
  renderCacheLayout,
  renderCacheLimits,
} from '../../testsupport/helm/render-cache.ts';
import { ConfigError, HelmChart, mark } from '../../testsupport/index.ts';
import { filesUnder } from '../chart-deploy/fixtures.ts';
import { projectRoot } from '../support/runner-process.ts';

const chart = path.join(projectRoot, 'tests', 'secrets', 'fixtures', 'charts', 'seeded-secrets');
const echoServer = path.join(projectRoot, 'charts', 'echo-server');
let cache: string;
let previous: string | undefined;

function mode(file: string): string {
  return (statSync(file).mode & 0o777).toString(8);
}

mark('no_deploy').describe('render cache on disk', () => {
  beforeAll(() => {
    previous = process.env.CHART_TESTWARE_CACHE_DIR;
    cache = mkdtempSync(path.join(os.tmpdir(), 'ct-render-cache-'));
    process.env.CHART_TESTWARE_CACHE_DIR = cache;
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.CHART_TESTWARE_CACHE_DIR;
    else process.env.CHART_TESTWARE_CACHE_DIR = previous;
  });

  test('a render without secrets is a 0600 file in 0700 folders, read back from disk', async () => {
    const values = { replicaCount: 2, podAnnotations: { run: randomBytes(4).toString('hex') } };
    const first = await HelmChart.render(echoServer, { values });
    clearMemoryRenderCache();
    const second = await HelmChart.render(echoServer, { values });
    expect([first.cached, second.cached]).toEqual([false, 'disk']);
    expect(second.documents).toEqual(first.documents);
    const files = filesUnder(path.join(cache, 'renders', renderCacheLayout));
    expect(files.filter((file) => file.endsWith('.json'))).toHaveLength(1);
    for (const file of files) expect([file, mode(file)]).toEqual([file, '600']);
    // everything this process wrote into the fresh cache root (helm extracted there too): owner only
    const entries = filesUnder(cache).flatMap((file) => [file, path.dirname(file)]);
    for (const entry of new Set(entries)) expect([entry, statSync(entry).mode & 0o077]).toEqual([entry, 0]);
    for (const dir of [
      cache,
      renderCacheDir(),
      path.join(renderCacheDir(), renderCacheLayout),
      path.dirname(files[0] ?? ''),
    ])
      expect([dir, mode(dir)]).toEqual([dir, '700']);
  });

  test('a render holding a Secret stays in memory only: no secret value reaches the disk', async () => {
    const password = `pw-${randomBytes(6).toString('hex')}`;
    const values = { db: { password, dsn: `postgres://app:${password}x@db/x` } };
    const first = await HelmChart.render(chart, { values });
    expect(first.get('Secret').stringData?.password).toBe(password);
    expect((await HelmChart.render(chart, { values })).cached).toBe('memory');
    clearMemoryRenderCache();
    expect((await HelmChart.render(chart, { values })).cached).toBe(false);
    const files = filesUnder(cache);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect([file, text.includes(password), text.includes(Buffer.from(password).toString('base64'))]).toEqual([
        file,
        false,
        false,
      ]);
    }
  });

  test('a long value is stored once (in the manifest), and comes back whole', async () => {
    const special = `s${'x'.repeat(2_000_000)}${randomBytes(4).toString('hex')}`;
    const values = { podAnnotations: { special } };
    await HelmChart.render(echoServer, { values });
    clearMemoryRenderCache();
    const again = await HelmChart.render(echoServer, { values });
    expect(again.cached).toBe('disk');
    expect(again.get('Deployment').spec?.template.metadata?.annotations?.special).toBe(special);
    const sizes = filesUnder(path.join(cache, 'renders', renderCacheLayout)).map((file) => statSync(file).size);
    expect(Math.max(...sizes)).toBeGreaterThan(special.length);
    expect(Math.max(...sizes)).toBeLessThan(special.length * 1.5);
  });

  test('pruning removes the old layout, renders unused past the age limit, then the oldest beyond the size limit', async () => {
    const root = renderCacheDir();
    const oldLayout = path.join(root, 'ab', 'ab12.json');
    mkdirSync(path.dirname(oldLayout), { recursive: true });
    writeFileSync(oldLayout, '{"manifest":"kind: Secret\\nstringData:\\n  password: plain"}');
    const shard = path.join(root, renderCacheLayout, 'zz');
    mkdirSync(shard, { recursive: true });
    const day = 24 * 3600_000;
    const now = Date.now();
    const make = (name: string, ageDays: number, bytes: number): string => {
      const file = path.join(shard, name);
      writeFileSync(file, 'x'.repeat(bytes));
      const at = new Date(now - ageDays * day);
      utimesSync(file, at, at);
      return file;
    };
    make('zz-ancient.json', 30, 10);
    make('zz-old.json', 3, 600);
    make('zz-new.json', 1, 600);
    const result = await pruneRenderCache({ maxBytes: 1000 + sizeOfOthers(shard), maxAgeMs: 14 * day }, now);
    const left = readdirSync(shard);
    expect(left).toContain('zz-new.json');
    expect(left).not.toContain('zz-old.json');
    expect(left).not.toContain('zz-ancient.json');
    expect(readdirSync(root)).not.toContain('ab');
    expect(result.removed).toBeGreaterThanOrEqual(3);
  });

  test('the limits come from CHART_TESTWARE_RENDER_CACHE_MAX_MB/_MAX_AGE_DAYS; a bad one names the variable', () => {
    expect(renderCacheLimits({})).toEqual({ maxBytes: 200 * 1024 * 1024, maxAgeMs: 14 * 24 * 3600_000 });
    expect(
      renderCacheLimits({ CHART_TESTWARE_RENDER_CACHE_MAX_MB: '1', CHART_TESTWARE_RENDER_CACHE_MAX_AGE_DAYS: '0.5' }),
    ).toEqual({
      maxBytes: 1024 * 1024,
      maxAgeMs: 12 * 3600_000,
    });
    expect(() => renderCacheLimits({ CHART_TESTWARE_RENDER_CACHE_MAX_MB: '2GB' })).toThrow(ConfigError);
    expect(() => renderCacheLimits({ CHART_TESTWARE_RENDER_CACHE_MAX_AGE_DAYS: '-1' })).toThrow(
      /CHART_TESTWARE_RENDER_CACHE_MAX_AGE_DAYS "-1" is not a number of days/,
    );
  });
});

/** Bytes of the renders the earlier tests left in other shards (kept: they are recent). */
function sizeOfOthers(shard: string): number {
  const layout = path.dirname(shard);
  return filesUnder(layout)
    .filter((file) => path.dirname(file) !== shard)
    .reduce((sum, file) => sum + statSync(file).size, 0);
}
