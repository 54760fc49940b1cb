import { mark } from '../context/mark.ts';
import { ChartTestwareError } from '../errors.ts';
import {
  type CheckResult,
  failsUnder,
  type PolicyOptions,
  type PolicyPlan,
  type PolicyReport,
  planChartPolicy,
  runChartPolicy,
} from './policy-evaluation.ts';
import { formatCheckResult, formatRenderFailure, formatUnusedWaivers } from './policy-format.ts';
import type { RenderName } from './policy-renders.ts';

export interface ChartPolicyTestOptions extends PolicyOptions {
  /** Timeout of each generated test in ms (the first one waits for the renders); default 180 s. */
  timeout?: number;
}

/** Thrown by a generated test: the findings of a check, a failed render, unused waivers. */
export class PolicyViolationError extends ChartTestwareError {
  constructor(message: string) {
    super(message);
    // The findings are the whole story: no stack frames of chart-testware under them.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/**
 * Generates the no_deploy policy tests of one chart: `policy render default` (and `policy render
 * image-values-changed`), one `policy <check-id>` test per check of the catalogue, and `policy waivers`. The chart
 * is rendered once per distinct values set, when the first of these tests runs; every test shares the result.
 * Findings at or above `failOn` (default: error) fail their test; the others are printed.
 */
export function chartPolicyTests(chartDir: string, options: ChartPolicyTestOptions = {}): void {
  const { timeout = 180_000, ...policyOptions } = options;
  let plan: PolicyPlan | undefined;
  let planError: unknown;
  try {
    plan = planChartPolicy(chartDir, policyOptions);
  } catch (error) {
    if (!(error instanceof ChartTestwareError)) throw error;
    planError = error;
  }

  mark('no_deploy').describe(`chart policy ${chartDir}`, () => {
    if (!plan) {
      mark('no_deploy').test('policy input', () => {
        throw planError;
      });
      return;
    }
    const ready = plan;
    let report: Promise<PolicyReport> | undefined;
    const evaluated = (): Promise<PolicyReport> => {
      report ??= runChartPolicy(ready);
      return report;
    };

    const renders: RenderName[] = [];
    if (ready.needs.has('render') || ready.needs.has('imageRender')) renders.push('default');
    if (ready.needs.has('imageRender')) renders.push('image-values-changed');
    for (const name of renders) {
      mark('no_deploy').test(
        `policy render ${name}`,
        async () => {
          const render = (await evaluated()).renders.find((outcome) => outcome.name === name);
          if (render?.error) throw new PolicyViolationError(formatRenderFailure(render, chartDir));
        },
        timeout,
      );
    }

    for (const check of ready.checks) {
      mark('no_deploy').test(
        `policy ${check.id}`,
        async () => {
          const result = (await evaluated()).results.find(
            (candidate) => candidate.check.id === check.id,
          ) as CheckResult;
          judge(result, ready.failOn);
        },
        timeout,
      );
    }

    mark('no_deploy').test(
      'policy waivers',
      async () => {
        const { unusedWaivers } = await evaluated();
        if (unusedWaivers.length > 0) throw new PolicyViolationError(formatUnusedWaivers(unusedWaivers));
      },
      timeout,
    );
  });
}

function judge(result: CheckResult, failOn: PolicyPlan['failOn']): void {
  switch (result.status) {
    case 'passed':
      return;
    case 'crashed':
      throw new PolicyViolationError(formatCheckResult(result));
    case 'failed':
      throw new PolicyViolationError(formatCheckResult(result));
    case 'not-evaluated':
      if (failsUnder(result.check.severity, failOn)) throw new PolicyViolationError(formatCheckResult(result));
      printed(result);
      return;
    case 'reported':
      printed(result);
      return;
  }
}

/** Warnings and info pass, but are shown (on stderr: Jest's console would add a code frame of this file). */
function printed(result: CheckResult): void {
  process.stderr.write(`policy ${formatCheckResult(result)}\n`);
}
