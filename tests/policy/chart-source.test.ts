// Reading charts without helm: subcharts by directory and .tgz, aliases, and what is not a chart.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from '@jest/globals';
import { PolicyInputError } from '../../testsupport/api/policy.ts';
import { mark } from '../../testsupport/index.ts';
import { chartOfTemplate, readChartSource } from '../../testsupport/policy/chart-source.ts';
import { fixtureChart } from './policy-fixtures.ts';

mark('no_deploy').describe('chart source', () => {
  mark('no_deploy').test('finds the unpacked subchart under its alias and the packaged one in its .tgz', () => {
    const source = readChartSource(fixtureChart('good'));
    const charts = [...source.charts.values()].map((chart) => [
      chart.prefix,
      chart.version,
      chart.valuesPath.join('.'),
    ]);
    expect(charts.sort()).toEqual([
      ['good', '1.2.3', ''],
      ['good/charts/helper-db', '0.1.0', 'helper-db'],
      ['good/charts/packed', '0.1.0', 'packed'],
    ]);
    expect(source.charts.get('good/charts/packed')?.values).toEqual({ greeting: 'hello' });
    expect([...source.subchartKeys].sort()).toEqual(['global', 'helper-db', 'packed']);
    expect(chartOfTemplate(source, 'good/charts/helper-db/templates/db.yaml')?.name).toBe('helper-db');
    expect(chartOfTemplate(source, 'good/templates/web.yaml')?.name).toBe('good');
  });

  mark('no_deploy').test('a path that is not a chart is bad input, with the reason', () => {
    expect(() => readChartSource('/nonexistent/chart')).toThrow(PolicyInputError);
    const empty = mkdtempSync(path.join(os.tmpdir(), 'policy-not-a-chart-'));
    expect(() => readChartSource(empty)).toThrow(/has no Chart.yaml/);
  });
});
