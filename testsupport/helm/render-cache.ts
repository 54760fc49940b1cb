import { readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { ConfigError } from '../errors.ts';
import { redactText } from '../record/secret-redaction.ts';
import { writeAtomically } from './atomic-write.ts';
import { cacheDir, ensurePrivateCacheDir } from './cache-dir.ts';
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

/**
 * The disk layout, a folder under renders/. Bumped when the format changes: files of other layouts are never read,
 * and pruning deletes them (v1, renders/<xx>/<key>.json, held rendered Secrets in plain text; v2 lost the documents
 * that are not YAML).
 */
export const renderCacheLayout = 'v3';

export interface RenderCacheLimits {
  readonly maxBytes: number;
  readonly maxAgeMs: number;
}

export const renderCacheDefaults = { maxMegabytes: 200, maxAgeDays: 14 } as const;

const memory = new Map<string, CachedRender>();

/** The on-disk cache directory of renders (the current layout is one folder in it). */
export function renderCacheDir(): string {
  return cacheDir('renders');
}

/** Size and age limits of the disk cache: CHART_TESTWARE_RENDER_CACHE_MAX_MB and _MAX_AGE_DAYS, else the defaults. */
export function renderCacheLimits(env: NodeJS.ProcessEnv = process.env): RenderCacheLimits {
  const megabytes = limit(env, 'CHART_TESTWARE_RENDER_CACHE_MAX_MB', renderCacheDefaults.maxMegabytes, 'megabytes');
  const days = limit(env, 'CHART_TESTWARE_RENDER_CACHE_MAX_AGE_DAYS', renderCacheDefaults.maxAgeDays, 'days');
  return { maxBytes: megabytes * 1024 * 1024, maxAgeMs: days * 24 * 3600_000 };
}

function limit(env: NodeJS.ProcessEnv, name: string, fallback: number, unit: string): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new ConfigError(`${name} "${raw}" is not a number of ${unit}`, {
      hint: `set ${name} to a number >= 0 (0 keeps nothing on disk), or unset it for the default ${fallback}`,
    });
  }
  return value;
}

export async function readRender(
  key: string,
  useDisk: boolean,
): Promise<{ render: CachedRender; hit: CacheHit } | undefined> {
  const inMemory = memory.get(key);
  if (inMemory) return { render: inMemory, hit: 'memory' };
  if (!useDisk) return undefined;
  renderCacheLimits(); // a bad limit is an error before anything is read or written
  const file = fileOf(key);
  try {
    const render = deepFreeze(decode(await readFile(file, 'utf8')));
    memory.set(key, render);
    // the modification time is the last use: pruning by age keeps what is used
    const now = new Date();
    await utimes(file, now, now).catch(() => undefined);
    return { render, hit: 'disk' };
  } catch {
    // missing or unreadable (e.g. half-written by an older version): render again
    return undefined;
  }
}

/**
 * Keeps the render in memory, and on disk unless it holds a secret: a Secret object, a value of a secret-looking
 * key, a secret this process saw in chart values, a URL password, a bearer token or a PEM block. Those renders are
 * rendered again by each process (one helm call) rather than written to disk.
 */
export async function writeRender(key: string, render: CachedRender, useDisk: boolean): Promise<CachedRender> {
  const frozen = deepFreeze(render);
  memory.set(key, frozen);
  if (useDisk) {
    try {
      const limits = renderCacheLimits();
      if (!holdsSecrets(render)) {
        const file = fileOf(key);
        ensurePrivateCacheDir(path.dirname(file));
        await writeAtomically(file, encode(render));
      }
      // also when nothing was written: the old layout's files go at the first chance
      await pruneOncePerProcess(limits);
    } catch {
      // A read-only or full cache directory only costs speed.
    }
  }
  return frozen;
}

/** Whether a render must stay off the disk: it holds a Secret or anything the redaction would blank. */
export function holdsSecrets(render: CachedRender): boolean {
  if (render.documents.some((document) => document.object?.kind === 'Secret')) return true;
  if (/^kind:\s*["']?Secret["']?\s*$/m.test(render.manifest)) return true; // e.g. an item of a List
  return redactText(render.manifest) !== render.manifest;
}

/** Forgets the in-memory renders of this process (the disk cache stays). */
export function clearMemoryRenderCache(): void {
  memory.clear();
}

let prunedInThisProcess = false;

async function pruneOncePerProcess(limits: RenderCacheLimits): Promise<void> {
  if (prunedInThisProcess) return;
  prunedInThisProcess = true;
  // many Jest workers write at once: one of them prunes every 10 minutes
  const stamp = path.join(renderCacheDir(), '.last-prune');
  try {
    if (Date.now() - (await stat(stamp)).mtimeMs < 10 * 60_000) return;
  } catch {
    // never pruned
  }
  ensurePrivateCacheDir(renderCacheDir());
  await writeFile(stamp, '', { mode: 0o600 });
  await pruneRenderCache(limits);
}

/**
 * Deletes other layouts' files, renders unused for longer than the age limit, leftovers of interrupted writes,
 * and then the least recently used renders until the rest fits the size limit. Returns what it removed and kept.
 */
export async function pruneRenderCache(
  limits: RenderCacheLimits = renderCacheLimits(),
  now = Date.now(),
): Promise<{ removed: number; keptFiles: number; keptBytes: number }> {
  const root = renderCacheDir();
  let removed = 0;
  for (const entry of await readdir(root).catch(() => [] as string[])) {
    if (entry === renderCacheLayout || entry === '.last-prune') continue;
    await rm(path.join(root, entry), { recursive: true, force: true });
    removed++;
  }
  const files: { file: string; size: number; mtimeMs: number }[] = [];
  const layoutRoot = path.join(root, renderCacheLayout);
  for (const shard of await readdir(layoutRoot).catch(() => [] as string[])) {
    for (const name of await readdir(path.join(layoutRoot, shard)).catch(() => [] as string[])) {
      const file = path.join(layoutRoot, shard, name);
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) continue;
      const age = now - info.mtimeMs;
      if (age > limits.maxAgeMs || (name.endsWith('.tmp') && age > 3600_000)) {
        await rm(file, { force: true });
        removed++;
      } else if (name.endsWith('.json')) {
        files.push({ file, size: info.size, mtimeMs: info.mtimeMs });
      }
    }
  }
  files.sort((a, b) => b.mtimeMs - a.mtimeMs);
  let keptBytes = 0;
  let keptFiles = 0;
  for (const entry of files) {
    if (keptBytes + entry.size > limits.maxBytes) {
      await rm(entry.file, { force: true });
      removed++;
    } else {
      keptBytes += entry.size;
      keptFiles++;
    }
  }
  return { removed, keptFiles, keptBytes };
}

function fileOf(key: string): string {
  return path.join(renderCacheDir(), renderCacheLayout, key.slice(0, 2), `${key}.json`);
}

/** A string this long that helm printed verbatim is stored once: in the manifest, referenced from the documents. */
const sliceFrom = 4096;
const sliceKey = '$chart-testware-manifest-slice';

/**
 * Line 1: the manifest as a JSON string; line 2: the documents, long strings as [start, length] of the manifest;
 * line 3: the documents that are not YAML.
 */
function encode(render: CachedRender): string {
  const documents = JSON.stringify(render.documents, (_key, value: unknown) => {
    if (typeof value !== 'string' || value.length < sliceFrom) return value;
    const start = render.manifest.indexOf(value);
    return start < 0 ? value : { [sliceKey]: [start, value.length] };
  });
  return `${JSON.stringify(render.manifest)}\n${documents}\n${JSON.stringify(render.broken ?? [])}`;
}

function decode(text: string): CachedRender {
  const newline = text.indexOf('\n');
  const manifest = JSON.parse(text.slice(0, newline)) as unknown;
  if (newline < 0 || typeof manifest !== 'string') throw new Error('not a render of this layout');
  const [documentsLine = '', brokenLine = ''] = text.slice(newline + 1).split('\n');
  const documents = JSON.parse(documentsLine, (_key, value: unknown) => {
    const slice = (value as Record<string, unknown> | null)?.[sliceKey];
    if (!Array.isArray(slice)) return value;
    const [start, length] = slice as [number, number];
    return manifest.slice(start, start + length);
  }) as unknown;
  const broken = JSON.parse(brokenLine) as unknown;
  if (!Array.isArray(documents) || !Array.isArray(broken)) throw new Error('not a render of this layout');
  const render = { manifest, documents: documents as CachedRender['documents'] };
  return broken.length > 0 ? { ...render, broken: broken as CachedRender['broken'] } : render;
}

/** Cached documents are shared by every test that renders the same chart: frozen, so no test can change another's. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
