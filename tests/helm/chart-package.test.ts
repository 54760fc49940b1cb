// Packaged charts without a cluster: packageChart (working copy and a git revision, cached by content), a real
// chart repository on loopback that helm adds and reads, and "repo/chart@version" references; bad input named.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { LocalChartRepository } from '../../testsupport/api/helm.ts';
import { chartReference } from '../../testsupport/cluster/chart-reference.ts';
import { chartArchiveFiles } from '../../testsupport/helm/chart-files.ts';
import { ConfigError, mark, packageChart } from '../../testsupport/index.ts';

const root = path.join(import.meta.dirname, '..', '..');
const tangoBase = path.join(root, 'charts', 'tango-base');
/** tango-base 0.1.0, before the working copy's 0.2.0. */
const released = 'db630cd93c7342eb98ed82e1b5a9070b381e9d71';

mark('no_deploy').describe('packageChart', () => {
  test('packages the working copy once: the second call returns the cached file', async () => {
    const first = await packageChart(tangoBase);
    expect(first).toMatchObject({ name: 'tango-base', version: '0.2.0', gitRevision: undefined });
    expect(path.basename(path.dirname(path.dirname(first.file)))).toBe('packages');
    const made = statSync(first.file).mtimeMs;
    const archive = chartArchiveFiles(readFileSync(first.file));
    expect(archive?.read('Chart.yaml')?.toString()).toContain('name: tango-base');
    expect(archive?.entries('templates').map((entry) => entry.name)).toContain('databaseds.yaml');
    const again = await packageChart(tangoBase);
    expect(again.file).toBe(first.file);
    expect(statSync(again.file).mtimeMs).toBe(made);
  }, 60_000);

  test('packages the chart as it was at a git revision, and a version override gets a file of its own', async () => {
    const old = await packageChart(tangoBase, { gitRevision: released });
    expect(old).toMatchObject({ name: 'tango-base', version: '0.1.0', gitRevision: released });
    expect(path.basename(old.file)).toBe('tango-base-0.1.0.tgz');
    const renamed = await packageChart(tangoBase, { gitRevision: released, version: '0.1.0-previous' });
    expect(path.basename(renamed.file)).toBe('tango-base-0.1.0-previous.tgz');
    expect(path.dirname(renamed.file)).not.toBe(path.dirname(old.file));
  }, 60_000);

  test('bad input is a ConfigError naming it', async () => {
    await expect(packageChart(tangoBase, { gitRevision: 'no-such-revision' })).rejects.toThrow(
      /gitRevision "no-such-revision"/,
    );
    await expect(packageChart(tangoBase, { gitRevision: '--output=/tmp/x' })).rejects.toThrow(ConfigError);
    await expect(packageChart(path.join(root, 'tests'), { gitRevision: 'HEAD' })).rejects.toThrow(/has no Chart.yaml/);
    await expect(packageChart(path.join(root, 'no-such-chart'))).rejects.toThrow(/is not a chart directory/);
    await expect(packageChart(tangoBase, { version: 'one' })).rejects.toThrow(/version "one" is not a SemVer version/);
  }, 60_000);
});

mark('no_deploy').describe('LocalChartRepository', () => {
  let repo: LocalChartRepository;
  beforeAll(async () => {
    const old = await packageChart(tangoBase, { gitRevision: released });
    const current = await packageChart(tangoBase);
    repo = await LocalChartRepository.start({ name: 'released', charts: [old.file, current.file] });
  }, 60_000);
  afterAll(async () => {
    await repo?.close();
  });

  test('helm finds both versions through the index it served on 127.0.0.1, and downloads the one asked for', async () => {
    expect(repo.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const search = await repo.helm.run(['search', 'repo', 'released/tango-base', '--versions', '--output', 'json'], {
      namespaced: false,
      cluster: false,
    });
    const versions = (JSON.parse(search.stdout) as { version: string }[]).map((entry) => entry.version).sort();
    expect(versions).toEqual(['0.1.0', '0.2.0']);
    const shown = await repo.helm.run(['show', 'chart', 'released/tango-base', '--version', '0.1.0'], {
      namespaced: false,
      cluster: false,
    });
    expect(shown.stdout).toMatch(/^version: 0\.1\.0$/m);
    expect(repo.requests).toEqual(expect.arrayContaining(['/index.yaml', '/tango-base-0.1.0.tgz']));
    expect(repo.ref('tango-base', '0.1.0')).toBe('released/tango-base@0.1.0');
  }, 60_000);

  test('serves nothing outside its folder', async () => {
    const response = await fetch(`${repo.url}/..%2Fserved%2Findex.yaml`);
    expect(response.status).toBe(404);
  });

  test('bad input is refused before a server starts', async () => {
    await expect(LocalChartRepository.start({ charts: [] })).rejects.toThrow(/none given/);
    await expect(LocalChartRepository.start({ charts: [tangoBase] })).rejects.toThrow(/packaged charts \(\.tgz\)/);
    await expect(LocalChartRepository.start({ name: 'a b', charts: ['x.tgz'] })).rejects.toThrow(/name "a b"/);
  });

  test('close() stops the server', async () => {
    const other = await LocalChartRepository.start({ charts: [(await packageChart(tangoBase)).file] });
    await other.close();
    await expect(fetch(`${other.url}/index.yaml`)).rejects.toThrow();
  }, 60_000);
});

mark('no_deploy').describe('chartReference', () => {
  test('splits repo/chart@version, leaves paths and plain references alone, refuses two versions', () => {
    expect(chartReference('released/tango-base@0.1.0')).toEqual({ chart: 'released/tango-base', version: '0.1.0' });
    expect(chartReference('released/tango-base', '0.1.0')).toEqual({ chart: 'released/tango-base', version: '0.1.0' });
    expect(chartReference(tangoBase)).toEqual({ chart: tangoBase, version: undefined });
    expect(existsSync(tangoBase)).toBe(true);
    expect(() => chartReference('released/tango-base@0.1.0', '0.2.0')).toThrow(
      /names version 0\.1\.0, and version "0\.2\.0"/,
    );
  });
});
