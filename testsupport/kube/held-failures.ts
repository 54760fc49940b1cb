import { type ObjectRef, refKey } from './object-ref.ts';
import type { Verdict } from './wait-for.ts';

interface Held {
  /** The failure's count (e.g. a container's restarts) when its last peer stopped pending. */
  countAtCure?: number | undefined;
}

/**
 * Decides which failure ends a wait, holding back those that other objects of the wait may still cure
 * (Verdict.failureCurableBy): a client that crash-loops until the database of its release is ready. A held
 * failure ends the wait only if it happens again (its count grows) after no such peer is pending any more; one
 * seen while nothing it could wait on was pending ends the wait at once.
 */
export class HeldFailures {
  readonly #held = new Map<string, Held>();

  /** The verdict whose failure ends the wait now, if any. */
  ending(verdicts: readonly (readonly [ObjectRef, Verdict])[]): Verdict | undefined {
    const pendingKinds = verdicts.filter(([, verdict]) => !verdict.ready && !verdict.failure).map(([ref]) => ref.kind);
    for (const [ref, verdict] of verdicts) {
      if (!verdict.failure) continue;
      if (!verdict.failureCurableBy) return verdict;
      const key = refKey(ref);
      const held = this.#held.get(key);
      if (verdict.failureCurableBy.some((kind) => pendingKinds.includes(kind))) {
        this.#held.set(key, {});
        continue;
      }
      if (!held) return verdict;
      const count = verdict.failureCount ?? 0;
      if (held.countAtCure === undefined) held.countAtCure = count;
      else if (count > held.countAtCure) return verdict;
    }
    return undefined;
  }
}
