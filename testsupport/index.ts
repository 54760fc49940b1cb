// The public API of chart-testware, for test authors: what most tests import. Lower-level parts have entries of
// their own (chart-testware/helm, /kube, /policy, /probes: testsupport/api/); runner and janitor internals have
// none. `npm run lint` holds the surface against docs/api-report.md, so it changes only on purpose.

// chart_deploy: deployments, readiness, queries, smoke test
export {
  type ChangeOptions,
  ChartDeployment,
  type DeployOptions,
  type ReadyOptions,
} from './cluster/chart-deployment.ts';
export { ChartNotReadyError, type NotReadyReason } from './cluster/chart-not-ready-error.ts';
export type { AttachTarget } from './cluster/deployed-release.ts';
export type { DriftReport } from './cluster/drift.ts';
export {
  type PodLogMatchOptions,
  PodLogNotFoundError,
  UnexpectedPodLogError,
} from './cluster/pod-log-assertions.ts';
export { type SmokeOptions, type SmokeReport, SmokeTestError, smokeTest } from './cluster/smoke-test.ts';
export type { ReadyResult } from './cluster/wait-ready.ts';
// markers and the test context
export { type EventuallyOptions, EventuallyTimeoutError, eventually } from './context/eventually.ts';
export { type Marked, mark } from './context/mark.ts';
export { MarkerError } from './context/marker-expression.ts';
export { settle } from './context/settle.ts';
export { currentTest, type TestInfo } from './context/test-context.ts';
export { ChartTestwareError, ConfigError } from './errors.ts';
// extras: EchoServer, Elasticsearch log assertions
export { EchoServer, type EchoServerOptions } from './extras/echo-server.ts';
export {
  ElasticsearchLogs,
  type ElasticsearchLogsOptions,
  type ExpectLogOptions,
  LogLineNotFoundError,
  type LogQuery,
  UnexpectedLogLineError,
} from './extras/elasticsearch-logs.ts';
// no_deploy: render and query charts, the helm CLI
export {
  ChartFileError,
  ChartNotFoundError,
  ChartRenderError,
  ChartYamlError,
  DocumentNotFoundError,
  UnknownTemplateError,
} from './helm/chart-errors.ts';
// a chart packaged from a directory or a git revision: install it, or serve it (chart-testware/helm's LocalChartRepository)
export { packageChart } from './helm/chart-package.ts';
export type { DocumentFilter, RenderOptions } from './helm/helm-chart.ts';
export { HelmChart } from './helm/helm-chart.ts';
export { HelmCommandError, HelmTimeoutError } from './helm/helm-command-error.ts';
// HelmTestAdaptor's option and result types are in chart-testware/helm
export { type HelmRelease, type HelmRevision, HelmTestAdaptor } from './helm/helm-test-adaptor.ts';
export { JsonPathError } from './helm/json-path-check.ts';
export type { RenderedDocument } from './helm/rendered-document.ts';
export { ValuesError } from './helm/values-file.ts';
export type { EventQuery } from './kube/events.ts';
export { ExecError, type ExecOptions, type ExecResult } from './kube/pod-exec.ts';
export type { LogsOptions } from './kube/pod-logs.ts';
export { ForwardedPort, PortForwardError, type PortForwardOptions, portForward } from './kube/port-forward.ts';
// chart policy checks as no_deploy tests
export { type ChartPolicyTestOptions, chartPolicyTests } from './policy/chart-policy-tests.ts';
// probes: testinfra-style hosts over kube exec, SSH or local
export { CommandResult } from './probes/command-result.ts';
export { type Host, type HostOptions, host } from './probes/host.ts';
export { ProbeError } from './probes/probe-error.ts';
export { step } from './record/recorder.ts';
