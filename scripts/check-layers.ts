// Checks the layer table of README's architecture section: a module under testsupport/ imports only from its own
// layer or the layers listed before it, and never from the applications, tests, benches or scripts of this repo.
// Static imports, re-exports and `import('…')` with a literal path all count. Run by `npm run lint`.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Lowest first. `errors.ts` is the shared base; `api/` holds the package's subpath entries and `index.ts` its root
 * entry: both may import anything, and nothing imports them.
 */
export const layers = [
  'errors',
  'config',
  'context',
  'record',
  'helm',
  'kube',
  'cluster',
  'probes',
  'extras',
  'policy',
  'report',
  'jest',
  'cli',
  'api',
] as const;

const root = path.resolve(import.meta.dirname, '..');
const library = path.join(root, 'testsupport');

export interface Violation {
  file: string;
  line: number;
  target: string;
  why: string;
}

function layerOf(file: string): string | undefined {
  const relative = path.relative(library, file);
  if (relative.startsWith('..')) return undefined;
  const first = relative.split(path.sep)[0] ?? '';
  if (first === 'index.ts') return 'index';
  return first.replace(/\.ts$/, '');
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

const importPattern = /(?:^|\s)(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

export function violationsIn(file: string, source: string): Violation[] {
  const fromLayer = layerOf(file);
  if (fromLayer === undefined || fromLayer === 'index') return [];
  const fromRank = layers.indexOf(fromLayer as (typeof layers)[number]);
  const found: Violation[] = [];
  for (const match of source.matchAll(importPattern)) {
    const specifier = match[1] ?? match[2] ?? '';
    if (!specifier.startsWith('.')) continue;
    const target = path.resolve(path.dirname(file), specifier);
    const line = source.slice(0, match.index).split('\n').length + (match[0].startsWith('\n') ? 1 : 0);
    const relativeFile = path.relative(root, file);
    const relativeTarget = path.relative(root, target);
    const toLayer = layerOf(target);
    if (toLayer === undefined) {
      found.push({
        file: relativeFile,
        line,
        target: relativeTarget,
        why: 'the library imports from outside testsupport/',
      });
      continue;
    }
    const toRank = layers.indexOf(toLayer as (typeof layers)[number]);
    if (fromRank === -1) {
      found.push({ file: relativeFile, line, target: relativeTarget, why: `"${fromLayer}" is not in the layer table` });
    } else if (toRank === -1 || toRank > fromRank) {
      found.push({
        file: relativeFile,
        line,
        target: relativeTarget,
        why: `layer "${fromLayer}" may not import from layer "${toLayer}" (it comes later in the table)`,
      });
    }
  }
  return found;
}

function main(): void {
  const violations = tsFiles(library).flatMap((file) => violationsIn(file, readFileSync(file, 'utf8')));
  for (const v of violations) console.error(`${v.file}:${v.line}: imports ${v.target}: ${v.why}`);
  if (violations.length > 0) {
    console.error(`check-layers: ${violations.length} import(s) against the layer table (${layers.join(' → ')})`);
    process.exit(1);
  }
  console.log(`check-layers: ok (${layers.join(' → ')})`);
}

if (import.meta.filename === process.argv[1]) main();
