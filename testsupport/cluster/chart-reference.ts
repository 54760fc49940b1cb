import { existsSync } from 'node:fs';
import { ConfigError } from '../errors.ts';

/** A chart as helm takes it: a directory, a .tgz or "repo/chart", and the version to fetch (repositories only). */
export interface ChartReference {
  readonly chart: string;
  readonly version: string | undefined;
}

/**
 * Splits "repo/chart@version" (what a chart repository's users write) into helm's chart and --version. A path that
 * exists is taken as it is; a version given both ways is an error.
 */
export function chartReference(chart: string, version?: string, option = 'chart'): ChartReference {
  const match = existsSync(chart) ? null : /^([^/@\s]+\/[^/@\s]+)@([^@\s/]+)$/.exec(chart);
  if (!match) return { chart, version };
  if (version !== undefined && version !== match[2]) {
    throw new ConfigError(
      `${option} ${JSON.stringify(chart)} names version ${match[2]}, and version ${JSON.stringify(version)} is given too`,
      {
        hint: 'give the version once: "repo/chart@1.2.3", or "repo/chart" with version',
      },
    );
  }
  return { chart: match[1] ?? chart, version: match[2] };
}
