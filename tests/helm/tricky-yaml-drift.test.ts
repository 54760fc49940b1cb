// The tricky-yaml chart (duplicate keys, YAML 1.1 scalars, anchors, merge keys, empty and comment-only documents,
// `---` in block strings, CRLF) installed with the real helm: every live object equals its rendered document
// (modulo what the server adds), and a YAML 1.2 reading of the same manifest does not.
import { expect, test } from '@jest/globals';
import { compareRendered } from '../../testsupport/api/kube.ts';
import { ChartDeployment, HelmChart, mark } from '../../testsupport/index.ts';
import { fixtureChart } from '../chart-deploy/fixtures.ts';

mark('chart_deploy').describe('tricky YAML on a live cluster', () => {
  test('HelmChart documents equal what the API server stored; YAML 1.2 rules would not', async () => {
    // Nothing has to run (replicas 0; the Service selects no pod): the objects as stored are what is compared.
    await using tricky = await ChartDeployment.install(fixtureChart('tricky-yaml'), { wait: false });
    const chart = await HelmChart.render(fixtureChart('tricky-yaml'), {
      releaseName: tricky.releaseName,
      namespace: tricky.namespace,
    });
    expect(chart.documents).toHaveLength(5);
    expect(chart.duplicateKeys.length).toBeGreaterThan(0);

    const fromChart = await tricky.drift({ documents: chart.documents.map((doc) => doc.object) });
    expect(fromChart.missing).toEqual([]);
    expect(fromChart.compared).toBe(5);
    expect(fromChart.differences).toEqual([]);

    // the release's own manifest, read the same way
    const fromRelease = await tricky.drift();
    expect(fromRelease).toEqual(fromChart);

    // The same manifest read with YAML 1.2 rules: the booleans, octal and underscores become drift.
    const as12 = await tricky.drift({ yamlRules: '1.2' });
    const paths = as12.differences.map((difference) => `${difference.object.split('/')[0]} ${difference.path}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        'Deployment $.spec.progressDeadlineSeconds',
        'Deployment $.spec.template.spec.automountServiceAccountToken',
        'Deployment $.spec.template.spec.volumes[0].configMap.defaultMode',
        "Deployment $.spec.template.metadata.labels['<<']",
      ]),
    );
  }, 180_000);
});

mark('no_deploy').describe('compareRendered', () => {
  test('reports changed and dropped fields by JSON path; server additions and unset fields are not drift', () => {
    const rendered = { spec: { a: 1, b: 'x', list: [{ n: 1 }], gone: 'y', empty: {}, nothing: null, off: false } };
    const live = { spec: { a: 2, b: 'x', list: [{ n: 1, added: true }], extra: 3 }, status: { ready: true } };
    expect(compareRendered('Kind/name', rendered, live)).toEqual([
      { object: 'Kind/name', path: '$.spec.a', rendered: 1, live: 2 },
      { object: 'Kind/name', path: '$.spec.gone', rendered: 'y', live: undefined },
    ]);
    expect(
      compareRendered(
        'K/n',
        { metadata: { uid: 'mine', labels: { 'a.b/c': 'x' } } },
        { metadata: { uid: 'server', labels: {} } },
      ),
    ).toEqual([{ object: 'K/n', path: "$.metadata.labels['a.b/c']", rendered: 'x', live: undefined }]);
  });
});
