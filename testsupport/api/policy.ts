// chart-testware/policy: the chart policy checks (the container-orchestration guidelines) as a library.
export { policyCatalogue } from '../policy/catalogue.ts';
export { PolicyViolationError } from '../policy/chart-policy-tests.ts';
export type { Finding, PolicyCheck, Severity } from '../policy/policy-check.ts';
export { PolicyInputError } from '../policy/policy-errors.ts';
export {
  type CheckResult,
  evaluateChartPolicy,
  type FailOn,
  type PolicyOptions,
  type PolicyReport,
} from '../policy/policy-evaluation.ts';
export type { Waiver } from '../policy/waivers.ts';
