import { describeRef, refKey } from '../kube/object-ref.ts';
import type { Condition } from '../kube/wait-for.ts';
import { record } from '../record/recorder.ts';

/** At most this many transitions per object and wait: a status that churns must not flood the report. */
const maxTransitionsPerObject = 40;

/**
 * The same condition, recording each object's readiness transitions (pending → ready / failed, with the reason)
 * on the timeline, one lane per object.
 */
export function recordingTransitions(condition: Condition, label?: string): Condition {
  const last = new Map<string, { state: string; count: number }>();
  return (object, ref, view) => {
    const verdict = condition(object, ref, view);
    const state = verdict.ready ? 'ready' : verdict.failure ? 'failed' : 'pending';
    const reason = verdict.failure?.message ?? (verdict.ready ? '' : (verdict.waitingFor ?? 'not ready'));
    const key = refKey(ref);
    const previous = last.get(key);
    const signature = `${state}\u0000${reason}`;
    if (previous?.state === signature || (previous?.count ?? 0) >= maxTransitionsPerObject) return verdict;
    last.set(key, { state: signature, count: (previous?.count ?? 0) + 1 });
    record({
      kind: 'ready',
      lane: describeRef(ref),
      label: reason ? `${state}: ${firstLine(reason)}` : state,
      outcome: state === 'ready' ? 'ready' : state === 'failed' ? 'failed' : 'pending',
      ...(ref.namespace ? { namespace: ref.namespace } : {}),
      ...(label || verdict.failure ? { detail: [label, verdict.failure?.message].filter(Boolean).join('\n') } : {}),
    });
    return verdict;
  };
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}
