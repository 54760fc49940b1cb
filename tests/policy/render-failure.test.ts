// A chart that does not render is reported as such (the template and helm's message), not a crash.
import { expect } from '@jest/globals';
import { evaluateChartPolicy } from '../../testsupport/api/policy.ts';
import { ChartRenderError, mark } from '../../testsupport/index.ts';
import { fixtureChart } from './policy-fixtures.ts';

mark('no_deploy').describe('policy on a chart that needs values', () => {
  mark('no_deploy').test(
    'the renders fail naming the template; render checks are not evaluated; file checks still run',
    async () => {
      const report = await evaluateChartPolicy(fixtureChart('needs-value'));
      const failed = report.renders.filter((render) => render.error);
      expect(failed.map((render) => render.name)).toEqual(['default', 'image-values-changed']);
      const error = failed[0]!.error as ChartRenderError;
      expect(error).toBeInstanceOf(ChartRenderError);
      expect(error.template).toBe('needs-value/templates/configmap.yaml');
      expect(error.message).toContain('database.host is required');
      const byStatus = (status: string) =>
        report.results.filter((result) => result.status === status).map((result) => result.check.id);
      expect(byStatus('not-evaluated')).toContain('image-tag-explicit');
      expect(byStatus('passed')).toEqual(
        expect.arrayContaining(['chart-name', 'chart-required-fields', 'values-key-case']),
      );
      expect(report.results.find((result) => result.check.id === 'labels-standard')?.reason).toMatch(
        /did not render.*policy render default/,
      );
      expect(report.failed).toBe(true);
    },
    60_000,
  );

  mark('no_deploy').test(
    'with the value it needs, the chart renders and is checked',
    async () => {
      const report = await evaluateChartPolicy(fixtureChart('needs-value'), {
        values: { database: { host: 'db.example.org' } },
      });
      expect(report.renders.filter((render) => render.error)).toEqual([]);
      expect(report.results.filter((result) => result.status === 'not-evaluated')).toEqual([]);
      expect(report.results.find((result) => result.check.id === 'labels-standard')?.status).toBe('passed');
    },
    60_000,
  );
});
