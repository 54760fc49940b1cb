import { existsSync, statSync } from 'node:fs';
import { ConfigError } from '../errors.ts';
import { elasticsearchMajorFromEnv } from '../extras/elasticsearch-logs.ts';
import { renderCacheLimits } from '../helm/render-cache.ts';

// Environment variables that tests read later, deep inside a run (a render, an echo server, the end of the run):
// checked when the runner starts, so a mistake stops the run at once instead of failing one test in the middle,
// or being ignored.

function blank(env: NodeJS.ProcessEnv, name: string): void {
  const value = env[name];
  if (value !== undefined && value.trim() === '') {
    throw new ConfigError(`${name} is set but ${value === '' ? 'empty' : 'blank'}`, {
      hint: `give ${name} a value, or unset it (\`unset ${name}\`) for the default`,
    });
  }
}

export function checkRunnerEnv(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of [
    'CHART_TESTWARE_CACHE_DIR',
    'CHART_TESTWARE_ECHO_SERVER_IMAGE',
    'CHART_TESTWARE_ELASTICSEARCH_URL',
  ])
    blank(env, name);
  const cache = env.CHART_TESTWARE_CACHE_DIR;
  if (cache && existsSync(cache) && !statSync(cache).isDirectory()) {
    throw new ConfigError(`CHART_TESTWARE_CACHE_DIR ${cache} is a file, not a folder`, {
      hint: 'point it at a folder (created if missing), or unset it for ~/.cache/chart-testware',
    });
  }
  renderCacheLimits(env);
  const keep = env.CHART_TESTWARE_KEEP_RUN_STATE;
  if (keep !== undefined && keep !== 'true' && keep !== 'false') {
    throw new ConfigError(`CHART_TESTWARE_KEEP_RUN_STATE "${keep}" is neither true nor false`, {
      hint: 'set it to true to keep reports/.run/<run> after the run (to debug the runner), or unset it',
    });
  }
  elasticsearchMajorFromEnv(env);
}
