// Options that the TypeScript types forbid still arrive from JavaScript and from SWC-stripped tests: a typo in an
// option name, a string where a list belongs, a chart path that is not a string. Each is refused with the option
// named before helm or the cluster is reached, not dropped without a word or turned into a TypeError.
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { ChartDeployment, EchoServer, HelmChart, HelmTestAdaptor, mark } from '../../testsupport/index.ts';

const chartDir = path.join(import.meta.dirname, '..', 'fixtures', 'charts', 'values-echo');

mark('no_deploy').describe('option names and shapes', () => {
  test('HelmChart.render: a mistyped option, a string for a list, a path that is not a string', async () => {
    await expect(HelmChart.render(chartDir, { valuse: { a: 1 } } as never)).rejects.toThrow(
      /^HelmChart\.render has no option "valuse"; did you mean values\?\n {2}hint: its options: values, valuesFiles, /,
    );
    await expect(HelmChart.render(chartDir, { valuesFiles: 'ci/values.yaml' } as never)).rejects.toThrow(
      /^valuesFiles must be a list of strings, got the string "ci\/values\.yaml"\n {2}hint: write valuesFiles: \["ci\/values\.yaml"\]/,
    );
    await expect(HelmChart.render(chartDir, { apiVersions: 'monitoring.coreos.com/v1' } as never)).rejects.toThrow(
      /^apiVersions must be a list of strings/,
    );
    await expect(HelmChart.render(chartDir, 'values.yaml' as never)).rejects.toThrow(
      /^the options of HelmChart\.render must be an object, got the string "values\.yaml"/,
    );
    await expect(HelmChart.render(123 as never)).rejects.toThrow(
      /^HelmChart\.render needs the chart directory as a path, got a number/,
    );
    await expect(HelmChart.render(chartDir, { timeout: -1 })).rejects.toThrow(/^timeout -1 is not a timeout/);
  });

  test('HelmTestAdaptor: options of create() and of each call are checked before helm runs', async () => {
    await expect(HelmTestAdaptor.create({ namespce: 'team-a' } as never)).rejects.toThrow(
      /^HelmTestAdaptor\.create has no option "namespce"; did you mean namespace\?/,
    );
    const helm = await HelmTestAdaptor.create();
    // install would reach the cluster: the check comes first, so none is needed here
    await expect(helm.install(chartDir, { releasName: 'x' } as never)).rejects.toThrow(
      /^helm\.install has no option "releasName"; did you mean releaseName\?/,
    );
    await expect(helm.uninstall('x', { keepHistroy: true } as never)).rejects.toThrow(
      /^helm\.uninstall has no option "keepHistroy"; did you mean keepHistory\?/,
    );
    await expect(helm.template(chartDir, { showOnly: 'templates/cm.yaml' } as never)).rejects.toThrow(
      /^showOnly must be a list of strings/,
    );
    await expect(helm.template(chartDir, { valuesFiles: 'a.yaml' } as never)).rejects.toThrow(
      /^valuesFiles must be a list of strings/,
    );
    // a fractional timeout is a timeout, not a TypeError from the process library
    expect(await helm.template(chartDir, { timeout: 60_000.5 })).toContain('kind: ConfigMap');
  });

  test('ChartDeployment.install and EchoServer.deploy: options are checked before anything is deployed', async () => {
    await expect(ChartDeployment.install(chartDir, { valuse: { a: 1 } } as never)).rejects.toThrow(
      /^ChartDeployment\.install has no option "valuse"; did you mean values\?/,
    );
    await expect(ChartDeployment.install(chartDir, { timeOut: 1000 } as never)).rejects.toThrow(
      /^ChartDeployment\.install has no option "timeOut"; did you mean timeout\?/,
    );
    await expect(EchoServer.deploy({ logformat: 'json' } as never)).rejects.toThrow(
      /^EchoServer\.deploy has no option "logformat"; did you mean logFormat\?/,
    );
  });

  test('queries: get() without a kind, a kind in the wrong case, jsonPath that is not a string', async () => {
    const chart = await HelmChart.render(chartDir);
    expect(() => chart.get('')).toThrow(/^get\(\) needs a kind, got ""/);
    expect(() => chart.get('configmap')).toThrow(
      /rendered no configmap; kinds are case-sensitive\n {2}hint: write "ConfigMap"/,
    );
    expect(() => chart.jsonPath(5 as never)).toThrow(/^JSONPath 5 is a number, not a JSONPath string/);
  });
});
