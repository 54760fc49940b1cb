import { hostname } from 'node:os';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { RunOptions } from '../config/options.ts';
import { apiStatus, kubeClients, mergePatch } from '../kube/kube-clients.ts';
import { clusterLeftovers, recordLeftovers } from './cluster-leftovers.ts';

/**
 * A run's liveness as the cluster sees it: a coordination.k8s.io Lease in each job namespace, renewed by the
 * runner every few seconds. Any host's janitor can then tell a dead run (no renewal for `heartbeatStaleMs`) from
 * a live one, with no access to the process that made it.
 */
export const heartbeatLeaseName = 'chart-testware-heartbeat';
/** On a namespace: the run renews a Lease of this name in it (older namespaces have no heartbeat). */
export const heartbeatAnnotation = 'chart-testware.io/heartbeat';
export const heartbeatIntervalMs = 5_000;
const leaseDurationSeconds = 20;
/**
 * No renewal for this long means the run is dead: 12 missed renewals, room for a loaded machine, a short API
 * outage and clocks of two hosts that disagree by a few tens of seconds.
 */
export const heartbeatStaleMs = 60_000;

interface Lease extends KubernetesObject {
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string; acquireTime?: string };
}

/** What the janitor learns from a namespace's Lease. */
export interface Heartbeat {
  readonly holder: string;
  readonly renewedAt: number;
}

function holderIdentity(options: RunOptions): string {
  return `${options.runId} ${hostname()} pid ${process.env.CHART_TESTWARE_RUNNER_PID ?? process.pid}`;
}

function microTime(at: number): string {
  return new Date(at).toISOString().replace('Z', '000Z');
}

function leaseBody(options: RunOptions, namespace: string, now: number): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: heartbeatLeaseName, namespace },
    spec: {
      holderIdentity: holderIdentity(options),
      leaseDurationSeconds,
      acquireTime: microTime(now),
      renewTime: microTime(now),
    },
  };
}

/** Creates (or renews) the Lease of the namespace: the first beat, right after the namespace is created. */
export async function beat(options: RunOptions, namespace: string): Promise<void> {
  const { objects } = kubeClients(options);
  const now = Date.now();
  try {
    await mergePatch(objects, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: heartbeatLeaseName, namespace },
      spec: { holderIdentity: holderIdentity(options), renewTime: microTime(now) },
    } as Lease);
  } catch (error) {
    if (apiStatus(error) !== 404) throw error;
    await objects.create(leaseBody(options, namespace, now)).catch((created: unknown) => {
      if (apiStatus(created) !== 409) throw created;
    });
  }
}

/** The namespace's heartbeat, or undefined when it has no Lease. */
export async function readHeartbeat(options: RunOptions, namespace: string): Promise<Heartbeat | undefined> {
  try {
    const lease = (await kubeClients(options).objects.read({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: heartbeatLeaseName, namespace },
    })) as Lease;
    const renewedAt = Date.parse(lease.spec?.renewTime ?? lease.spec?.acquireTime ?? '');
    return { holder: lease.spec?.holderIdentity ?? '?', renewedAt: Number.isNaN(renewedAt) ? 0 : renewedAt };
  } catch (error) {
    if (apiStatus(error) === 404) return undefined;
    throw error;
  }
}

/**
 * Run by the runner (the process whose life is the run's): every `heartbeatIntervalMs`, once the run has used the
 * cluster, renews the Lease of every namespace of the run and records their cluster-scoped leftovers (see
 * cluster-leftovers.ts). A failed renewal is retried at the next beat; only
 * `heartbeatStaleMs` of silence lets a janitor reclaim the namespaces. `stop()` ends it (after the clean-up).
 */
export function startRunHeartbeat(
  options: RunOptions,
  clusterUsed: () => boolean,
  listRunNamespaces: () => Promise<string[]>,
): { stop(): void } {
  let busy = false;
  const tick = async (): Promise<void> => {
    if (busy || !clusterUsed()) return;
    busy = true;
    try {
      const names = await listRunNamespaces();
      await Promise.all(names.map((name) => beat(options, name).catch(() => undefined)));
      // what the run's releases made outside its namespaces, recorded as theirs within a beat of appearing
      if (names.length > 0) await recordLeftovers(options, await clusterLeftovers(options, names));
    } catch {
      // the API server may be away for a moment: the next beat tries again
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), heartbeatIntervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
