/** One thing that happened during a test, as the report's timeline shows it. */
export interface RunEvent {
  /** Epoch milliseconds when it started. */
  readonly at: number;
  readonly kind: RunEventKind;
  /** The timeline lane: a release ("release web-1a2b"), an object ("StatefulSet ci/db"), a pod, or "test". */
  readonly lane: string;
  /** One short line: the helm command, the new readiness state, the event reason, the step's label. */
  readonly label: string;
  /** Bars have a duration (helm operations, port-forwards); the rest are points. */
  readonly durationMs?: number;
  readonly outcome?: 'ok' | 'failed' | 'pending' | 'ready' | 'warning';
  /** Longer text shown on demand (a reason, an event message, stderr). Always redacted. */
  readonly detail?: string;
  /** Namespace the event concerns (the job namespace's Kubernetes events are captured for these). */
  readonly namespace?: string;
  /** For kind 'deployment': what the inventory lists. */
  readonly deployment?: DeploymentRecord;
}

export type RunEventKind =
  | 'scope'
  | 'helm'
  | 'ready'
  | 'event'
  | 'exec'
  | 'port-forward'
  | 'echo'
  | 'smoke'
  | 'step'
  | 'failure'
  | 'diagnostics'
  | 'deployment';

/** A release a test installed: chart, values digest (never the values), the images the node actually ran. */
export interface DeploymentRecord {
  readonly release: string;
  readonly namespace: string;
  readonly chart: string;
  readonly chartName: string;
  readonly chartVersion: string;
  readonly appVersion?: string;
  /** sha256 of the values given (objects and files), never the values themselves. */
  readonly valuesDigest: string;
  readonly images: readonly ImageRecord[];
  readonly kubernetesVersion?: string;
  readonly helmVersion?: string;
  readonly cluster?: string;
}

export interface ImageRecord {
  readonly pod: string;
  readonly container: string;
  /** As the pod spec names it. */
  readonly image: string;
  /** What the node ran: pod status imageID (a digest), or '' when the container never started. */
  readonly imageID: string;
}

/** The first line of every events file: which test (or hook) the events belong to. */
export interface ScopeHeader {
  readonly testPath: string;
  readonly fullName: string;
  /** Set for beforeAll/afterAll scopes: their events belong to every test under `describePath`. */
  readonly hook?: 'beforeAll' | 'afterAll';
  readonly describePath?: string;
}
