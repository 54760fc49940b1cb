import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { RunEvent, ScopeHeader } from '../record/run-event.ts';

export interface EventsOfScope {
  readonly header: ScopeHeader;
  readonly events: readonly RunEvent[];
}

export function eventsDir(reportsDir: string): string {
  return path.join(reportsDir, 'events');
}

/** Every events file of the run under <reportsDir>/events (a line that does not parse is skipped). */
export function readEventsFiles(reportsDir: string): EventsOfScope[] {
  const root = eventsDir(reportsDir);
  if (!existsSync(root)) return [];
  const scopes: EventsOfScope[] = [];
  for (const dir of readdirSync(root, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const file of readdirSync(path.join(root, dir.name))) {
      if (!file.endsWith('.jsonl')) continue;
      const lines = readFileSync(path.join(root, dir.name, file), 'utf8').split('\n');
      const parsed = lines.flatMap((line) => {
        if (!line.trim()) return [];
        try {
          return [JSON.parse(line) as unknown];
        } catch {
          return [];
        }
      });
      const header = parsed[0] as ScopeHeader | undefined;
      if (!header?.testPath) continue;
      const events = (parsed.slice(1) as RunEvent[]).sort((a, b) => a.at - b.at);
      scopes.push({ header, events });
    }
  }
  return scopes;
}
