import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Circus } from '@jest/types';
import { diagnosticsDirOf } from '../cluster/failure-diagnostics.ts';
import type { RunOptions } from '../config/options.ts';
import type { TestInfo } from '../context/test-context.ts';
import { recordIn } from '../record/recorder.ts';
import type { RunEvent } from '../record/run-event.ts';
import { safeName } from '../record/safe-name.ts';

/**
 * The marker environment's side of the report: a scope per beforeAll/afterAll hook (so that an install in a
 * fixture has a place for its diagnostics and events), the failure point of each test, and the job namespace's
 * Kubernetes events captured when a scope ends.
 */
export function hookScopeStarted(hook: Circus.Hook, testPath: string, reportsDir: string): TestInfo | undefined {
  if (hook.type !== 'beforeAll' && hook.type !== 'afterAll') return undefined;
  const titles: string[] = [];
  for (let block: Circus.DescribeBlock | undefined = hook.parent; block?.parent; block = block.parent) {
    titles.unshift(block.name);
  }
  const describePath = titles.join(' ');
  const fullName = `${hook.type}${describePath ? ` ${describePath}` : ''}`;
  const file = safeName(path.relative(process.cwd(), testPath));
  return {
    testPath,
    fullName,
    markers: [],
    artifactsDir: path.join(reportsDir, 'artifacts', file, safeName(fullName)),
    eventsFile: path.join(reportsDir, 'events', file, `${safeName(fullName)}.jsonl`),
    hook: hook.type,
    describePath,
  };
}

/** When a test or hook ends: its failure (hooks), then the Kubernetes events of what it deployed. */
export async function scopeEnded(
  scope: TestInfo,
  options: RunOptions,
  secrets: Iterable<string> = [],
  event?: Circus.Event,
): Promise<void> {
  if (event?.name === 'hook_failure') {
    const dir = diagnosticsDirOf(event.error);
    recordIn(
      scope,
      {
        kind: 'failure',
        lane: 'test',
        label: `${scope.hook} failed`,
        outcome: 'failed',
        detail: firstLines(String(event.error)),
      },
      secrets,
    );
    if (dir) recordIn(scope, { kind: 'diagnostics', lane: 'test', label: 'diagnostics', detail: dir }, secrets);
  }
  await captureKubernetesEvents(scope, options, secrets);
}

/** Marks the failure point on the test's timeline; returns the diagnostics folder a hook's error carries. */
export function testFailed(
  scope: TestInfo,
  errors: readonly unknown[],
  secrets: Iterable<string> = [],
): string | undefined {
  const first = errors.map((error) => (Array.isArray(error) ? error[0] : error));
  recordIn(
    scope,
    {
      kind: 'failure',
      lane: 'test',
      label: 'test failed',
      outcome: 'failed',
      detail: firstLines(first.map(String).join('\n')),
    },
    secrets,
  );
  for (const error of first) {
    const dir = diagnosticsDirOf(error);
    if (dir) return dir;
  }
  return undefined;
}

async function captureKubernetesEvents(scope: TestInfo, options: RunOptions, secrets: Iterable<string>): Promise<void> {
  if (!scope.eventsFile || !existsSync(scope.eventsFile)) return;
  const events = readFileSync(scope.eventsFile, 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as RunEvent);
  const namespaces = new Set(events.map((event) => event.namespace).filter((ns): ns is string => !!ns));
  if (namespaces.size === 0) return;
  const since = Math.min(...events.map((event) => event.at)) - 1_000;
  // the job namespace is shared by parallel tests: keep the events of this scope's releases and objects
  const names = new Set<string>();
  for (const event of events) {
    if (event.kind === 'helm' || event.kind === 'deployment') names.add(event.lane.replace(/^release /, ''));
    if (event.kind === 'ready') names.add(event.lane.split('/').pop() ?? '');
  }
  const ours = (name: string) => [...names].some((known) => known && name.startsWith(known));
  try {
    const { listEvents, eventTime } = await import('../kube/events.ts');
    const { runContext } = await import('../kube/run-context.ts');
    const context = runContext(options);
    for (const namespace of namespaces) {
      for (const event of await listEvents(namespace, { context })) {
        const object = event.involvedObject;
        if (eventTime(event) < since || !ours(object.name ?? '')) continue;
        recordIn(
          scope,
          {
            at: eventTime(event),
            kind: 'event',
            lane: `${object.kind} ${namespace}/${object.name}`,
            label: `${event.reason ?? ''}${(event.count ?? 1) > 1 ? ` ×${event.count}` : ''}`,
            outcome: event.type === 'Warning' ? 'warning' : 'ok',
            detail: event.message ?? '',
          },
          secrets,
        );
      }
    }
  } catch {
    // the cluster may be gone already: the timeline goes without its events
  }
}

const ansiColour = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

function firstLines(text: string): string {
  return text.replace(ansiColour, '').split('\n').slice(0, 12).join('\n').slice(0, 2000);
}
