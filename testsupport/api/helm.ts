// chart-testware/helm: helm binaries, chart metadata, label selectors and the redaction the testware applies.

export type { PackagedChart, PackageOptions } from '../helm/chart-package.ts';
export { type ChartRepositoryOptions, LocalChartRepository } from '../helm/chart-repository.ts';
export type { HelmBinary, KubectlBinary, ResolveOptions } from '../helm/helm-binary.ts';
export { HelmBinaryError, helmFromPackage, resolveHelmBinary, resolveKubectlBinary } from '../helm/helm-binary.ts';
export type { ChartMetadata, KnownKinds, SnapshotOptions } from '../helm/helm-chart.ts';
export { readChartMetadata } from '../helm/helm-chart.ts';
export type {
  CallOptions,
  HelmAdaptorOptions,
  HelmOutput,
  HelmResult,
  HelmTestOptions,
  HelmTestResult,
  HelmValues,
  InstallOptions,
  LintOptions,
  LintResult,
  RollbackOptions,
  RunCall,
  TemplateOptions,
  UninstallOptions,
  UpgradeOptions,
  ValuesOptions,
} from '../helm/helm-test-adaptor.ts';
export { generateReleaseName } from '../helm/helm-test-adaptor.ts';
export { LabelSelector, LabelSelectorError } from '../helm/label-selector.ts';
export {
  type BrokenDocument,
  type DuplicateKey,
  type ParsedManifest,
  parseManifest,
  type YamlRules,
} from '../helm/manifest-parser.ts';
export { isSecretKey, redactText, redactValues, SecretRedactor } from '../record/secret-redaction.ts';
