// chart-testware/helm: helm binaries, chart metadata, label selectors and the redaction the testware applies.

export { type ChartMetadata, readChartMetadata } from '../helm/chart-files.ts';
export type { PackagedChart, PackageOptions } from '../helm/chart-package.ts';
export { type ChartRepositoryOptions, LocalChartRepository } from '../helm/chart-repository.ts';
export type { SnapshotOptions } from '../helm/chart-snapshot.ts';
export type { HelmBinary, KubectlBinary, ResolveOptions } from '../helm/helm-binary.ts';
export { HelmBinaryError, helmFromPackage, resolveHelmBinary, resolveKubectlBinary } from '../helm/helm-binary.ts';
// every option type of HelmTestAdaptor's methods
export type * from '../helm/helm-options.ts';
export type { HelmOutput, HelmTestResult, HelmTestSuite } from '../helm/helm-results.ts';
export type { KnownKinds } from '../helm/known-kinds.ts';
export { LabelSelector, LabelSelectorError } from '../helm/label-selector.ts';
export type { LintMessage, LintResult } from '../helm/lint-output.ts';
export {
  type BrokenDocument,
  type DuplicateKey,
  type ParsedManifest,
  parseManifest,
  type YamlRules,
} from '../helm/manifest-parser.ts';
export { generateReleaseName } from '../helm/release-name.ts';
export { isSecretKey, redactText, redactValues, SecretRedactor } from '../record/secret-redaction.ts';
