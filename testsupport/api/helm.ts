// chart-testware/helm: helm binaries, chart metadata, label selectors and the redaction the testware applies.
export type { HelmBinary, KubectlBinary, ResolveOptions } from '../helm/helm-binary.ts';
export { HelmBinaryError, helmFromPackage, resolveHelmBinary, resolveKubectlBinary } from '../helm/helm-binary.ts';
export type { ChartMetadata, KnownKinds, SnapshotOptions } from '../helm/helm-chart.ts';
export { readChartMetadata } from '../helm/helm-chart.ts';
export type { CallOptions, HelmOutput, RunCall, ValuesOptions } from '../helm/helm-test-adaptor.ts';
export { generateReleaseName } from '../helm/helm-test-adaptor.ts';
export { LabelSelector, LabelSelectorError } from '../helm/label-selector.ts';
export { isSecretKey, redactText, redactValues, SecretRedactor } from '../helm/secret-redaction.ts';
