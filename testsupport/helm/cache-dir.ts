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

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
