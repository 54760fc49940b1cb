// The evaluator on charts nobody designed for it: minimal, broken Chart.yaml, a check that crashes, bad options.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from '@jest/globals';
import {
  evaluateChartPolicy,
  type PolicyCheck,
  PolicyInputError,
  policyCatalogue,
} from '../../testsupport/api/policy.ts';
import { mark } from '../../testsupport/index.ts';
import { fixtureChart } from './policy-fixtures.ts';

function tempChart(files: Record<string, string>): string {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'policy-eval-')), 'tiny');
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

mark('no_deploy').describe('policy evaluation', () => {
  mark('no_deploy').test(
    'a chart with no templates and no values.yaml: every check runs, only Chart.yaml fields are missing',
    async () => {
      const report = await evaluateChartPolicy(
        tempChart({ 'Chart.yaml': 'apiVersion: v2\nname: tiny\nversion: 0.1.0\n' }),
      );
      expect(report.renders.filter((render) => render.error)).toEqual([]);
      const notPassed = report.results.filter((result) => result.status !== 'passed').map((result) => result.check.id);
      expect(notPassed).toEqual(['chart-required-fields']);
    },
    60_000,
  );

  mark('no_deploy').test(
    'a Chart.yaml that is not YAML is reported by chart-name and the renders, not thrown',
    async () => {
      const report = await evaluateChartPolicy(tempChart({ 'Chart.yaml': 'name: [tiny\n', 'values.yaml': 'a: [1\n' }));
      expect(report.results.find((result) => result.check.id === 'chart-name')?.findings[0]?.message).toMatch(
        /Chart.yaml cannot be read/,
      );
      expect(report.results.find((result) => result.check.id === 'values-key-case')?.findings[0]?.message).toMatch(
        /values.yaml cannot be read/,
      );
      expect(report.renders.find((render) => render.name === 'default')?.error).toBeDefined();
      expect(report.failed).toBe(true);
    },
    60_000,
  );

  mark('no_deploy').test(
    'a check that crashes is reported as crashed with its error, and the others still run',
    async () => {
      const crashing: PolicyCheck = {
        id: 'always-crashes',
        severity: 'info',
        rule: 'crashes',
        section: 'none',
        needs: ['render'],
        run: () => {
          throw new TypeError('cannot read properties of undefined');
        },
      };
      const counting: PolicyCheck = {
        ...crashing,
        id: 'counts-objects',
        run: (context) => [{ message: `${context.objects.length} objects`, fix: '-' }],
      };
      const report = await evaluateChartPolicy(fixtureChart('good'), { checks: [crashing, counting] });
      expect(report.results.map((result) => [result.check.id, result.status])).toEqual([
        ['always-crashes', 'crashed'],
        ['counts-objects', 'reported'],
      ]);
      expect(report.results[0]?.reason).toContain('cannot read properties of undefined');
      expect(report.results[1]?.findings[0]?.message).toMatch(/^\d+ objects$/);
      // Only what the checks need is run: no image render, no lint.
      expect(report.renders.map((render) => render.name)).toEqual(['default']);
      expect(report.failed).toBe(true);
    },
    60_000,
  );

  mark('no_deploy').test(
    'checks see List items, CRDs and the objects of both subcharts, each with its template',
    async () => {
      const seen: string[] = [];
      const collect: PolicyCheck = {
        id: 'collect',
        severity: 'info',
        rule: 'collects',
        section: 'none',
        needs: ['render'],
        run: (context) => {
          for (const object of context.objects)
            seen.push(`${object.kind}/${object.name.replace(context.releaseName, 'R')} ${object.template}`);
          return [];
        },
      };
      await evaluateChartPolicy(fixtureChart('good'), { checks: [collect] });
      expect(seen).toEqual(
        expect.arrayContaining([
          'ConfigMap/settings-R good/templates/configmaps.yaml',
          'Secret/settings-R good/templates/configmaps.yaml',
          'CustomResourceDefinition/widgets.good.example.org good/templates/crd.yaml',
          'StatefulSet/db-R good/charts/helper-db/templates/db.yaml',
          'ConfigMap/packed-R good/charts/packed/templates/configmap.yaml',
          'Pod/web-R-connection-test good/templates/tests/web-test.yaml',
        ]),
      );
      expect(seen.some((entry) => entry.startsWith('List/'))).toBe(false);
    },
    60_000,
  );

  mark('no_deploy').test(
    'a NodePort Service is not flagged when the values of the test ask for NodePort',
    async () => {
      const only = policyCatalogue.filter((check) => check.id === 'service-type-clusterip');
      const byDefault = await evaluateChartPolicy(fixtureChart('bad-objects'), { checks: only });
      expect(byDefault.results[0]?.findings).toHaveLength(1);
      const asked = await evaluateChartPolicy(fixtureChart('bad-objects'), {
        checks: only,
        values: { service: { type: 'NodePort' } },
      });
      expect(asked.results[0]?.status).toBe('passed');
    },
    60_000,
  );

  mark('no_deploy').test('bad options are bad input', async () => {
    await expect(evaluateChartPolicy(fixtureChart('good'), { failOn: 'info' as 'error' })).rejects.toThrow(
      PolicyInputError,
    );
    await expect(
      evaluateChartPolicy(fixtureChart('good'), { valuesFiles: ['/nonexistent/values.yaml'] }),
    ).rejects.toThrow(/cannot read values file/);
  });
});
