// chart-testware/kube: the cluster below ChartDeployment — kubeconfig, clients, watches, waits per kind, events,
// exec and logs by pod name, diagnostics bundles, the job namespace's name and the run options.
export type { NotReadyDetails } from '../cluster/chart-not-ready-error.ts';
export { collectDiagnostics, type DiagnosticsTarget } from '../cluster/diagnostics.ts';
export { compareRendered, type DriftDifference } from '../cluster/drift.ts';
export { type ExpectedContainer, expectedContainers } from '../cluster/expected-containers.ts';
export type { ReasonRecord } from '../cluster/failure-evidence.ts';
export { type Fault, FaultError, type FaultTarget, ReleaseFaults } from '../cluster/faults.ts';
export { jobNamespace } from '../cluster/job-namespace.ts';
export { NamespaceDeletionTimeoutError } from '../cluster/namespace-cleanup.ts';
export type { PodLogHit } from '../cluster/pod-log-assertions.ts';
export type { FailedFunction, ReadinessRule, ReadyFunction } from '../cluster/readiness-rules.ts';
export {
  ReleaseTestError,
  type ReleaseTestOptions,
  type ReleaseTestResult,
  type ReleaseTestSuite,
} from '../cluster/release-tests.ts';
export { smokeCheck } from '../cluster/smoke-test.ts';
export type { StuckPod } from '../cluster/stuck-pods.ts';
export {
  type ReadyWaitOptions,
  waitForClaim,
  waitForDaemonSet,
  waitForDeployment,
  waitForJob,
  waitForPod,
  waitForReady,
  waitForService,
  waitForStatefulSet,
} from '../cluster/wait-ready.ts';
export { defaults } from '../config/defaults.ts';
export { type KeepPolicy, loadOptions, type RunOptions } from '../config/options.ts';
export { type FailureHook, onTestFailure } from '../context/test-context.ts';
export { uniqueReleaseName } from '../helm/release-name.ts';
export type { RecoveryOptions } from '../jest/recovery-matcher.ts';
export { listEvents } from '../kube/events.ts';
export { type KubeClients, kubeClients } from '../kube/kube-clients.ts';
export { loadKubeConfig } from '../kube/kube-config.ts';
export type { ObjectRef } from '../kube/object-ref.ts';
export { execInPod } from '../kube/pod-exec.ts';
export { podLogs } from '../kube/pod-logs.ts';
export type { PortForwardTarget } from '../kube/port-forward.ts';
export { ResourceWatch, type WatchEvent, type WatchEventType, type WatchQuery } from '../kube/resource-watch.ts';
export { type RunContext, runContext } from '../kube/run-context.ts';
export {
  type ClusterView,
  type Condition,
  type Verdict,
  type WaitForOptions,
  type WaitForResult,
  waitFor,
} from '../kube/wait-for.ts';
export { giveUp, WaitTimeoutError, type WaitUntilOptions, waitUntil } from '../kube/wait-until.ts';
