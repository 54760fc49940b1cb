import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { writeAtomically } from './atomic-write.ts';
import { cacheDir } from './cache-dir.ts';
import type { BrokenDocument, DuplicateKey } from './manifest-parser.ts';

/** One render as it is cached: helm's output and the parsed documents. */
export interface CachedRender {
  readonly manifest: string;
  readonly documents: readonly {
    readonly object: KubernetesObject;
    readonly template: string;
    readonly index: number;
    readonly duplicateKeys?: readonly DuplicateKey[];
  }[];
  /** Documents that are not valid YAML (absent: none). */
  readonly broken?: readonly BrokenDocument[];
}

export type CacheHit = 'memory' | 'disk';

const memory = new Map<string, CachedRender>();

/** The on-disk cache directory of renders (one JSON file per render key). */
export function renderCacheDir(): string {
  return cacheDir('renders');
}

export async function readRender(
  key: string,
  useDisk: boolean,
): Promise<{ render: CachedRender; hit: CacheHit } | undefined> {
  const inMemory = memory.get(key);
  if (inMemory) return { render: inMemory, hit: 'memory' };
  if (!useDisk) return undefined;
  try {
    const render = deepFreeze(JSON.parse(await readFile(fileOf(key), 'utf8')) as CachedRender);
    memory.set(key, render);
    return { render, hit: 'disk' };
  } catch {
    // missing or unreadable (e.g. half-written by an older version): render again
    return undefined;
  }
}

export async function writeRender(key: string, render: CachedRender, useDisk: boolean): Promise<CachedRender> {
  const frozen = deepFreeze(render);
  memory.set(key, frozen);
  if (useDisk) {
    try {
      await writeAtomically(fileOf(key), JSON.stringify(render));
    } catch {
      // A read-only or full cache directory only costs speed.
    }
  }
  return frozen;
}

/** Forgets the in-memory renders of this process (the disk cache stays). */
export function clearMemoryRenderCache(): void {
  memory.clear();
}

function fileOf(key: string): string {
  return path.join(renderCacheDir(), key.slice(0, 2), `${key}.json`);
}

/** Cached documents are shared by every test that renders the same chart: frozen, so no test can change another's. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
