import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { KubernetesObject, V1Namespace } from '@kubernetes/client-node';
import type { RunOptions } from '../config/options.ts';
import { localBootId } from './node-data.ts';
import { heartbeatAnnotation, heartbeatLeaseName } from './run-heartbeat.ts';

/** The labels and annotations that mark a namespace as ours: which run made it, when it expires, who owns it. */
export const managedByLabel = 'app.kubernetes.io/managed-by';
export const managedByValue = 'chart-testware';
export const runIdLabel = 'chart-testware.io/run-id';
export const jobIdLabel = 'chart-testware.io/job-id';
export const gitShaLabel = 'chart-testware.io/git-sha';
export const createdAtAnnotation = 'chart-testware.io/created-at';
export const expiresAtAnnotation = 'chart-testware.io/expires-at';
/** JSON {host, boot, pid, start}: the process whose death ends the namespace's life before it expires. */
export const ownerAnnotation = 'chart-testware.io/owner';
export const keptAnnotation = 'chart-testware.io/kept';
export const ownSelector = `${managedByLabel}=${managedByValue}`;

export function namespaceBody(options: RunOptions, name: string, testFile: string | undefined): V1Namespace {
  const now = Date.now();
  const labels: Record<string, string> = { [managedByLabel]: managedByValue, [runIdLabel]: options.runId };
  const jobId = options.jobId && labelValue(options.jobId);
  if (jobId) labels[jobIdLabel] = jobId;
  const gitSha = options.gitSha && labelValue(options.gitSha);
  if (gitSha) labels[gitShaLabel] = gitSha;
  const annotations: Record<string, string> = {
    [createdAtAnnotation]: new Date(now).toISOString(),
    [expiresAtAnnotation]: new Date(now + options.timeouts.namespaceTtlMs).toISOString(),
    [ownerAnnotation]: JSON.stringify(ownerProcess()),
  };
  // a runner renews a heartbeat Lease; Jest started on its own has nobody to renew one (it expires by time)
  if (process.env.CHART_TESTWARE_RUNNER_PID) annotations[heartbeatAnnotation] = heartbeatLeaseName;
  if (testFile) annotations['chart-testware.io/test-file'] = path.relative(process.cwd(), testFile);
  return { metadata: { name, labels, annotations } };
}

function labelValue(value: string): string | undefined {
  const cleaned = value
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return cleaned || undefined;
}

export interface OwnerProcess {
  host: string;
  boot: string;
  pid: number;
  start: string;
}

/**
 * The process that stands for the run: the runner when it says so (CHART_TESTWARE_RUNNER_PID), else Jest's main
 * process (a worker's parent) or this process when Jest runs in band.
 */
function ownerProcess(): OwnerProcess {
  const fromEnv = Number(process.env.CHART_TESTWARE_RUNNER_PID);
  const pid = Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : process.send ? process.ppid : process.pid;
  return { host: hostname(), boot: bootId(), pid, start: processStart(pid) ?? '' };
}

const bootId = localBootId;

function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // field 22 (starttime) counted after the ")" that ends the command name
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function isOurs(namespace: KubernetesObject): boolean {
  return namespace.metadata?.labels?.[managedByLabel] === managedByValue && !!namespace.metadata.labels[runIdLabel];
}

export function ownerOf(namespace: KubernetesObject): OwnerProcess | undefined {
  try {
    return JSON.parse(namespace.metadata?.annotations?.[ownerAnnotation] ?? '') as OwnerProcess;
  } catch {
    return undefined;
  }
}

/** Whether the owner process is known dead (on this host, same boot, not running), alive, or unknown (elsewhere). */
export function localOwnerState(owner: OwnerProcess | undefined): 'dead' | 'alive' | 'elsewhere' {
  if (!owner || owner.host !== hostname() || owner.boot !== bootId()) return 'elsewhere';
  return processStart(owner.pid) === owner.start ? 'alive' : 'dead';
}

/**
 * Expired by what this host alone can tell (no heartbeat): past its expires-at, or (unless kept) its owner process
 * on this host is gone. Namespaces of runs on other hosts only expire by time here; see namespaceLiveness.
 */
export function isExpired(namespace: KubernetesObject, now = Date.now()): boolean {
  const annotations = namespace.metadata?.annotations ?? {};
  const expiresAt = Date.parse(annotations[expiresAtAnnotation] ?? '');
  if (!Number.isNaN(expiresAt) && expiresAt <= now) return true;
  if (annotations[keptAnnotation] === 'true') return false;
  return localOwnerState(ownerOf(namespace)) === 'dead';
}
