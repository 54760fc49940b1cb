// Query inputs that used to be accepted and quietly match something else: JSONPath that is not well formed or is
// written kubectl-style, label selectors with non-string values, a Chart.yaml that is not YAML.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { LabelSelectorError } from '../../testsupport/api/helm.ts';
import { ChartFileError, HelmChart, JsonPathError, mark } from '../../testsupport/index.ts';
import { policyCatalogue } from '../../testsupport/policy/catalogue.ts';
import { evaluateChartPolicy } from '../../testsupport/policy/policy-evaluation.ts';

const fixture = (name: string) => path.join(import.meta.dirname, '..', 'fixtures', 'charts', name);

mark('no_deploy').describe('query inputs', () => {
  let chart: HelmChart;
  let scratch: string;
  beforeAll(async () => {
    chart = await HelmChart.render(fixture('tricky-yaml'));
    scratch = await mkdtemp(path.join(os.tmpdir(), 'chart-testware-query-input-'));
  }, 60_000);
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  test('well-formed JSONPath still works', () => {
    expect(chart.jsonPath('$.kind', { kind: 'Service' })).toEqual(['Service']);
    expect(chart.jsonPath("$.metadata.labels['app.kubernetes.io/name']", { kind: 'Deployment' })).toEqual([
      'tricky-yaml',
    ]);
    expect(chart.jsonPath('$..containers[?(@.name=="web")].image')).toHaveLength(1);
  });

  test('JSONPath with an unclosed bracket, quote or filter is an error naming the expression', () => {
    expect(() => chart.jsonPath('$..[')).toThrow(/^JSONPath "\$\.\.\[" has an unclosed "\["/);
    expect(() => chart.jsonPath('$.metadata.labels[app')).toThrow(JsonPathError);
    expect(() => chart.jsonPath('$[?(@.kind=="Deployment"')).toThrow(/has an unclosed "\("/);
    expect(() => chart.jsonPath("$.metadata['name")).toThrow(/unclosed ' quote/);
    expect(() => chart.jsonPath('$.spec.')).toThrow(/ends with "\."/);
    // well shaped, but the filter is not an expression: jsonpath-plus's error, with the expression named
    expect(() => chart.jsonPath('$..containers[?(@.name==)]')).toThrow(
      /^JSONPath "\$\.\.containers\[\?\(@\.name==\)\]" cannot be evaluated/,
    );
  });

  test('kubectl-style JSONPath is an error that gives the form to use', () => {
    expect(() => chart.jsonPath('{.kind}')).toThrow(
      /does not start at the root "\$"\n {2}hint: write it from the root: "\$\.kind"/,
    );
    expect(() => chart.jsonPath('.kind')).toThrow(/"\$\.kind"/);
  });

  test('a label selector object with a non-string value is an error', () => {
    expect(() => chart.withLabels({ app: 5 } as never)).toThrow(LabelSelectorError);
    expect(() => chart.withLabels({ app: 5 } as never)).toThrow(/the value of "app" is a number/);
  });

  test('a Chart.yaml that is not YAML names the file, line and column', async () => {
    const dir = path.join(scratch, 'badchartyaml');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: bad\nversion: [0.1.0\n');
    const error = (await HelmChart.render(dir).catch((caught: unknown) => caught)) as Error;
    expect(error).toBeInstanceOf(ChartFileError);
    expect(error.message).toMatch(/badchartyaml\/Chart\.yaml is not valid YAML \(line \d+, column \d+\)/);
  });

  test('a Chart.yaml that writes a key twice is read as helm reads it (the last one wins)', async () => {
    const dir = path.join(scratch, 'twice');
    await mkdir(path.join(dir, 'templates'), { recursive: true });
    await writeFile(
      path.join(dir, 'Chart.yaml'),
      'apiVersion: v2\nname: twice\nappVersion: "1.0"\nversion: 0.1.0\nappVersion: 1.16.0\n',
    );
    await writeFile(
      path.join(dir, 'templates', 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Chart.AppVersion }}\n',
    );
    const chart = await HelmChart.render(dir, { cache: false });
    expect(chart.metadata.appVersion).toBe('1.16.0');
    expect(chart.get('ConfigMap').metadata?.name).toBe('1.16.0');
    // the policy checks read Chart.yaml the same way: readable, with the repeated key's last value
    const checks = policyCatalogue.filter((check) => check.id === 'chart-name' || check.id === 'chart-required-fields');
    const report = await evaluateChartPolicy(dir, { checks });
    const messages = report.results.flatMap((result) => result.findings.map((finding) => finding.message));
    expect(messages.join('\n')).not.toMatch(/cannot be read/);
    expect(messages.join('\n')).toMatch(/Chart\.yaml has no description/);
  });

  test('a library chart: the error says it renders nothing on its own', async () => {
    const dir = path.join(scratch, 'library');
    await mkdir(path.join(dir, 'templates'), { recursive: true });
    await writeFile(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: library\nversion: 0.1.0\ntype: library\n');
    await expect(HelmChart.render(dir, { cache: false })).rejects.toThrow(
      /a library chart: .*\n.*render a chart that depends on it/,
    );
  });
});
