import { chmodSync, mkdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The directory chart-testware caches slow work in (extracted binaries, chart renders):
 * $CHART_TESTWARE_CACHE_DIR, else $XDG_CACHE_HOME/chart-testware, else ~/.cache/chart-testware.
 */
export function cacheDir(...parts: string[]): string {
  const env = process.env;
  const base =
    nonEmpty(env.CHART_TESTWARE_CACHE_DIR) ??
    path.join(nonEmpty(env.XDG_CACHE_HOME) ?? path.join(os.homedir(), '.cache'), 'chart-testware');
  return path.join(base, ...parts);
}

const madePrivate = new Set<string>();

/**
 * Creates `dir` (inside the cache root) as a folder only its owner can enter (0700), and closes the cache root
 * itself the same way (once per process): whatever older versions left there with wider modes is then out of
 * other users' reach too.
 */
export function ensurePrivateCacheDir(dir: string): void {
  const root = cacheDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const folder of [root, dir]) {
    if (madePrivate.has(folder)) continue;
    try {
      if ((statSync(folder).mode & 0o077) !== 0) chmodSync(folder, 0o700);
    } catch {
      // not ours to change (a shared, read-only cache): it only costs privacy that the owner chose
    }
    madePrivate.add(folder);
  }
}

/** The runner closes the cache root (0700) at its start; a cache it cannot create or change is no reason to stop. */
export function closeCacheRoot(): void {
  try {
    ensurePrivateCacheDir(cacheDir());
  } catch {
    // e.g. a read-only home: helm and the render cache report their own errors when they need the directory
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
