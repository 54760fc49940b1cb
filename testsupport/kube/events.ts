import type { CoreV1Event } from '@kubernetes/client-node';
import { type RunContext, runContext } from './run-context.ts';

export interface EventQuery {
  /** Only events about this object (involvedObject). */
  readonly kind?: string;
  readonly name?: string;
  /** Only Warning (or Normal) events. */
  readonly type?: 'Warning' | 'Normal';
  readonly reason?: string;
  /** The run's options and clients; default: runContext() (the run's, from the environment). */
  readonly context?: RunContext;
}

/** The time an event last happened (the newest of its timestamps). */
export function eventTime(event: CoreV1Event): number {
  const times = [
    event.lastTimestamp,
    event.eventTime,
    event.series?.lastObservedTime,
    event.firstTimestamp,
    event.metadata?.creationTimestamp,
  ]
    .map((time) => (time ? new Date(time as unknown as string).getTime() : Number.NaN))
    .filter((time) => !Number.isNaN(time));
  return times.length > 0 ? Math.max(...times) : 0;
}

/** The namespace's events, oldest first, optionally only those about one object or of one type/reason. */
export async function listEvents(namespace: string, query: EventQuery = {}): Promise<CoreV1Event[]> {
  const { core } = (query.context ?? runContext()).kube;
  const fields: string[] = [];
  if (query.kind) fields.push(`involvedObject.kind=${query.kind}`);
  if (query.name) fields.push(`involvedObject.name=${query.name}`);
  if (query.type) fields.push(`type=${query.type}`);
  if (query.reason) fields.push(`reason=${query.reason}`);
  const list = await core.listNamespacedEvent({ namespace, fieldSelector: fields.join(',') || undefined });
  return list.items.sort((a, b) => eventTime(a) - eventTime(b));
}

/** One line per event: "2026-01-01T10:00:00Z Warning BackOff Pod/web-0: Back-off restarting...". */
export function formatEvent(event: CoreV1Event): string {
  const time = eventTime(event);
  return `${time ? new Date(time).toISOString() : '?'} ${event.type ?? ''} ${event.reason ?? ''} ${event.involvedObject.kind}/${
    event.involvedObject.name
  }${(event.count ?? 1) > 1 ? ` (x${event.count})` : ''}: ${event.message ?? ''}`;
}
