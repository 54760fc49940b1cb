// What HelmTestAdaptor's calls return, read from helm's JSON and text output.

export interface HelmRelease {
  readonly name: string;
  readonly namespace: string;
  readonly revision: number;
  /** deployed, failed, pending-install, superseded, uninstalled... */
  readonly status: string;
  /** "<name>-<version>" of the chart. */
  readonly chart: string;
  readonly appVersion: string | undefined;
  readonly description: string;
  readonly notes: string;
}

export interface HelmRevision {
  readonly revision: number;
  readonly updated: string;
  readonly status: string;
  readonly chart: string;
  readonly appVersion: string;
  readonly description: string;
}

export interface HelmTestSuite {
  readonly name: string;
  readonly phase: string;
}

export interface HelmTestResult {
  readonly suites: readonly HelmTestSuite[];
  /** helm's output, including the test pods' logs when asked for. */
  readonly output: string;
}

export interface HelmOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

interface RawRelease {
  name: string;
  namespace: string;
  version: number;
  info?: { status?: string; description?: string; notes?: string };
  chart?: { metadata?: { name?: string; version?: string; appVersion?: string } };
}

interface RawRevision {
  revision: number;
  updated: string;
  status: string;
  chart: string;
  app_version: string;
  description: string;
}

/** A release from `helm install/upgrade/status --output json`. */
export function parseRelease(stdout: string): HelmRelease {
  const raw = JSON.parse(stdout) as RawRelease;
  const metadata = raw.chart?.metadata ?? {};
  return Object.freeze({
    name: raw.name,
    namespace: raw.namespace,
    revision: raw.version,
    status: raw.info?.status ?? 'unknown',
    chart: `${metadata.name ?? '?'}-${metadata.version ?? '?'}`,
    appVersion: metadata.appVersion,
    description: raw.info?.description ?? '',
    notes: raw.info?.notes ?? '',
  });
}

/** The revisions of `helm history --output json`. */
export function parseRevisions(stdout: string): HelmRevision[] {
  return (JSON.parse(stdout) as RawRevision[]).map((raw) => ({
    revision: raw.revision,
    updated: raw.updated,
    status: raw.status,
    chart: raw.chart,
    appVersion: raw.app_version,
    description: raw.description,
  }));
}

/** The suites and phases of `helm test`'s output (helm 3 and 4; hooks without a pod, "<none>", are skipped). */
export function parseTestSuites(stdout: string): HelmTestSuite[] {
  const suites: HelmTestSuite[] = [];
  let name: string | undefined;
  for (const line of stdout.split('\n')) {
    if (/^POD LOGS:/.test(line)) break; // --logs: what follows is the pods' output, not helm's
    const suite = /^TEST SUITE:\s+(\S+)/.exec(line);
    if (suite) name = suite[1];
    const phase = /^Phase:\s+(\S+)/.exec(line);
    if (phase && name && name !== '<none>') {
      suites.push({ name, phase: phase[1] ?? '' });
      name = undefined;
    }
  }
  return suites;
}
