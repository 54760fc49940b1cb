import type { V1Namespace } from '@kubernetes/client-node';
import type { RunOptions } from '../config/options.ts';
import { apiMessage } from '../kube/kube-clients.ts';
import { expiresAtAnnotation, keptAnnotation, localOwnerState, ownerOf } from './namespace-ownership.ts';
import { heartbeatAnnotation, heartbeatLeaseName, heartbeatStaleMs, readHeartbeat } from './run-heartbeat.ts';

/** Whether a namespace's run is alive, and why we think so (the janitor prints it). */
export interface Liveness {
  readonly alive: boolean;
  readonly reason: string;
}

/**
 * The verdict on a namespace of ours, in this order: past expires-at is dead; kept lives until then; a runner on
 * this host that is gone is dead, one that runs is alive; then its heartbeat Lease: renewed within
 * `heartbeatStaleMs` is alive, older (or never created that long after the namespace) is dead. A namespace without
 * a heartbeat (made by an older chart-testware, or by Jest without the runner) is judged as before: it lives until
 * it expires, unless its owner is known dead on this host.
 */
export async function namespaceLiveness(
  options: RunOptions,
  namespace: V1Namespace,
  now = Date.now(),
): Promise<Liveness> {
  const annotations = namespace.metadata?.annotations ?? {};
  const name = namespace.metadata?.name ?? '';
  const expires = annotations[expiresAtAnnotation] ?? '?';
  const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;
  const expiresAt = Date.parse(expires);
  if (!Number.isNaN(expiresAt) && expiresAt <= now) return { alive: false, reason: `expired at ${expires}` };
  if (annotations[keptAnnotation] === 'true') return { alive: true, reason: `kept (--keep) until ${expires}` };
  const owner = ownerOf(namespace);
  const local = localOwnerState(owner);
  if (local === 'dead') return { alive: false, reason: `its runner (pid ${owner?.pid}) on this host is gone` };
  if (local === 'alive') return { alive: true, reason: `its runner (pid ${owner?.pid}) runs on this host` };
  if (annotations[heartbeatAnnotation]) {
    let heartbeat: Awaited<ReturnType<typeof readHeartbeat>>;
    try {
      heartbeat = await readHeartbeat(options, name);
    } catch (error) {
      return { alive: true, reason: `its heartbeat Lease cannot be read (${apiMessage(error)}): left alone` };
    }
    if (heartbeat) {
      const age = now - heartbeat.renewedAt;
      return age > heartbeatStaleMs
        ? {
            alive: false,
            reason: `no heartbeat for ${seconds(age)} (Lease ${heartbeatLeaseName}, ${heartbeat.holder})`,
          }
        : { alive: true, reason: `heartbeat ${seconds(Math.max(0, age))} ago from ${heartbeat.holder}` };
    }
    const age = now - Date.parse(namespace.metadata?.creationTimestamp?.toString() ?? '');
    return age > heartbeatStaleMs
      ? { alive: false, reason: `its heartbeat Lease never appeared (created ${seconds(age)} ago)` }
      : { alive: true, reason: `just created (${seconds(age)} ago), no heartbeat yet` };
  }
  return {
    alive: true,
    reason: `no heartbeat (made by an older chart-testware or without the runner) on host ${owner?.host ?? '?'}: lives until it expires at ${expires}`,
  };
}
