import type { KubernetesObject } from '@kubernetes/client-node';

/** A status condition as the API conventions (and kstatus) describe it. */
interface StatusCondition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly observedGeneration?: number;
}

type WithStatus = KubernetesObject & {
  status?: { observedGeneration?: number; conditions?: StatusCondition[] } & Record<string, unknown>;
};

/** What the conventions say: ready, failed (with the condition), waiting (with why), or no signal at all. */
export type ConventionVerdict =
  | { readonly state: 'ready' }
  | { readonly state: 'failed'; readonly condition: string; readonly message: string }
  | { readonly state: 'waiting'; readonly waitingFor: string }
  | { readonly state: 'no-signal'; readonly shows: string };

/** Condition types whose True means the controller gave up (kstatus's Stalled; Failed as many operators write it). */
const failureTypes = ['Stalled', 'Failed'];
/** Condition types whose True means done (Ready as kstatus and most operators, Available as Deployments and APIs). */
const readyTypes = ['Ready', 'Available'];

/**
 * The readiness of an object by the conventions helm 4's kstatus waiter uses, for kinds without a rule of their own:
 * - `status.observedGeneration` below `metadata.generation`: the controller has not seen the latest spec yet;
 * - a Stalled or Failed condition True: failed, with the condition's reason and message;
 * - Reconciling True: waiting; a Ready or Available condition: ready when True (and not older than the spec);
 * - no such condition but an `observedGeneration` that caught up: ready (kstatus calls this Current);
 * - no status at all, on a kind without a status subresource (nothing will ever write one): ready once it exists;
 * - anything else (no status yet, or a status without these conventions): no readiness signal.
 */
export function conventionReadiness(object: KubernetesObject, hasStatusSubresource: boolean): ConventionVerdict {
  const { metadata, status } = object as WithStatus;
  if (metadata?.deletionTimestamp) return { state: 'waiting', waitingFor: 'being deleted' };
  const generation = metadata?.generation;
  const observed = status?.observedGeneration;
  const pending = generationPending(object);
  if (pending) return { state: 'waiting', waitingFor: pending };
  const conditions = Array.isArray(status?.conditions) ? status.conditions : [];
  for (const type of failureTypes) {
    const failed = conditions.find((condition) => condition.type === type && condition.status === 'True');
    if (failed) {
      return {
        state: 'failed',
        condition: type,
        message: [failed.reason, failed.message].filter(Boolean).join(': ') || `${type} is True`,
      };
    }
  }
  const reconciling = conditions.find((condition) => condition.type === 'Reconciling' && condition.status === 'True');
  if (reconciling) return { state: 'waiting', waitingFor: `Reconciling${describe(reconciling)}` };
  const ready = readyTypes
    .map((type) => conditions.find((condition) => condition.type === type))
    .find((condition) => condition !== undefined);
  if (ready) {
    if (
      typeof ready.observedGeneration === 'number' &&
      typeof generation === 'number' &&
      ready.observedGeneration < generation
    ) {
      return {
        state: 'waiting',
        waitingFor: `condition ${ready.type} is about generation ${ready.observedGeneration}, not ${generation}`,
      };
    }
    if (ready.status === 'True') return { state: 'ready' };
    return {
      state: 'waiting',
      waitingFor: `condition ${ready.type} is ${ready.status ?? 'not set'}${describe(ready)}`,
    };
  }
  if (typeof observed === 'number') return { state: 'ready' };
  const empty = !status || Object.keys(status).length === 0;
  if (empty && !hasStatusSubresource) return { state: 'ready' };
  return { state: 'no-signal', shows: empty ? 'no status yet' : `status ${brief(status)}` };
}

/**
 * "the controller has not seen generation N yet (observed M)" while `status.observedGeneration` is below
 * `metadata.generation`: whatever else the status says is about an older spec. Undefined otherwise.
 */
export function generationPending(object: KubernetesObject): string | undefined {
  const { metadata, status } = object as WithStatus;
  const generation = metadata?.generation;
  const observed = status?.observedGeneration;
  if (typeof observed === 'number' && typeof generation === 'number' && observed < generation) {
    return `the controller has not seen generation ${generation} yet (observed ${observed})`;
  }
  return undefined;
}

function describe(condition: StatusCondition): string {
  const text = [condition.reason, condition.message].filter(Boolean).join(': ');
  return text ? ` (${text})` : '';
}

function brief(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
