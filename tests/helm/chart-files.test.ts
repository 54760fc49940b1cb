// One reading of a chart's files for HelmChart, the policy checks and `chart-testware init`: subcharts as folders
// and .tgz under their aliases, template files, names; and the release names and selectors made from them.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { chartName, findCharts } from '../../testsupport/cli/init-files.ts';
import { isOfRelease, releaseSelectors } from '../../testsupport/cluster/release-selector.ts';
import {
  chartArchiveFiles,
  chartFolderFiles,
  readYamlMap,
  renderedNames,
  subchartsIn,
  templateFilesIn,
} from '../../testsupport/helm/chart-files.ts';
import { generateReleaseName, uniqueReleaseName } from '../../testsupport/helm/release-name.ts';
import { valuesList } from '../../testsupport/helm/values-file.ts';
import { mark } from '../../testsupport/index.ts';

const good = path.join(import.meta.dirname, '..', 'fixtures', 'policy', 'good');

mark('no_deploy').describe('chart files', () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'chart-files-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test('subcharts: a folder and a packaged .tgz, each with its files; templates without partials', () => {
    const files = chartFolderFiles(good);
    const subcharts = subchartsIn(files);
    expect(subcharts.map((sub) => sub.path)).toEqual(['charts/packed-0.1.0.tgz', 'charts/sub']);
    const [packed, sub] = subcharts;
    expect(readYamlMap(packed?.files ?? files, 'values.yaml').map).toEqual({ greeting: 'hello' });
    expect(templateFilesIn(packed?.files ?? files)).toEqual(['templates/configmap.yaml']);
    expect(templateFilesIn(sub?.files ?? files)).toEqual(['templates/db.yaml']);
    expect(templateFilesIn(files)).toContain('templates/tests/web-test.yaml');
    expect(templateFilesIn(files).some((file) => file.includes('_helpers'))).toBe(false);
  });

  test('a subchart renders once per dependency that names it, under its alias; unnamed, under its own name', () => {
    const chartYaml = readYamlMap(chartFolderFiles(good), 'Chart.yaml').map;
    expect(renderedNames(chartYaml, 'sub')).toEqual(['helper-db']);
    expect(renderedNames(chartYaml, 'unlisted')).toEqual(['unlisted']);
    const twice = { dependencies: [{ name: 'db', alias: 'first' }, { name: 'db' }, { name: 'other', alias: 'x' }] };
    expect(renderedNames(twice, 'db')).toEqual(['first', 'db']);
  });

  test('what is not a chart archive, or not YAML, is told apart without throwing', () => {
    expect(chartArchiveFiles(Buffer.from('not gzip'))).toBeUndefined();
    const dir = path.join(scratch, 'broken');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'Chart.yaml'), 'name: [broken\n');
    const read = readYamlMap(chartFolderFiles(dir), 'Chart.yaml');
    expect(read.map).toBeUndefined();
    expect(read.error).toMatch(/flow sequence|Missing|expected/i);
    expect(readYamlMap(chartFolderFiles(dir), 'values.yaml')).toEqual({ map: undefined, error: undefined });
  });

  test('init finds charts nearest first and names them by Chart.yaml, else by folder', () => {
    const repo = path.join(scratch, 'repo');
    cpSync(good, path.join(repo, 'deploy', 'charts', 'good'), { recursive: true });
    mkdirSync(path.join(repo, 'other'), { recursive: true });
    writeFileSync(path.join(repo, 'other', 'Chart.yaml'), 'apiVersion: v2\nversion: 0.1.0\n');
    expect(findCharts(repo)).toEqual(['other', 'deploy/charts/good']);
    expect(chartName(repo, 'deploy/charts/good')).toBe('good');
    expect(chartName(repo, 'other')).toBe('other');
  });

  test("release names: the chart's name from Chart.yaml, a valid helm name, unique in the run", () => {
    const dir = path.join(scratch, 'folder-name');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: Real_Name\nversion: 0.1.0\n');
    expect(generateReleaseName(dir)).toMatch(/^real-name-[0-9a-f]{6}$/);
    expect(generateReleaseName('repo/some-chart-1.2.3.tgz')).toMatch(/^some-chart-[0-9a-f]{6}$/);
    const names = Array.from({ length: 20 }, () => uniqueReleaseName('charts/a-chart-name-longer-than-twenty-four'));
    expect(new Set(names).size).toBe(20);
    for (const name of names) expect(name).toMatch(/^a-chart-name-longer-than-[0-9a-z]+$/);
  });

  test("a release's objects carry either of its labels", () => {
    expect(releaseSelectors('web')).toEqual(['app.kubernetes.io/instance=web', 'release=web']);
    expect(isOfRelease({ 'app.kubernetes.io/instance': 'web' }, 'web')).toBe(true);
    expect(isOfRelease({ release: 'web', app: 'x' }, 'web')).toBe(true);
    expect(isOfRelease({ 'app.kubernetes.io/instance': 'web-2' }, 'web')).toBe(false);
    expect(isOfRelease(undefined, 'web')).toBe(false);
  });

  test('values given as one object, a list or nothing are one list', () => {
    expect(valuesList(undefined)).toEqual([]);
    expect(valuesList({ a: 1 })).toEqual([{ a: 1 }]);
    const list = [{ a: 1 }, { b: 2 }];
    expect(valuesList(list)).toEqual(list);
    expect(valuesList(list)).not.toBe(list);
  });
});
