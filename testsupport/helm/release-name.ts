import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { chartNameIn } from './chart-files.ts';

// Release names made up for a chart: its name and a random suffix, a valid helm release name (at most 53
// characters, lowercase letters, digits and "-").

let releaseCounter = 0;

/** The chart's name (Chart.yaml's for a chart directory, else the file's without .tgz and version) and 6 random hex. */
export function generateReleaseName(chart: string): string {
  return `${releaseNamePrefix(chart, 44)}-${randomBytes(3).toString('hex')}`;
}

/**
 * A release name unique in this run, short enough for the object names charts derive from it: the chart's name cut
 * to 24 characters, the Jest worker id, a per-process counter and random hex.
 */
export function uniqueReleaseName(chart: string): string {
  releaseCounter += 1;
  const worker = process.env.JEST_WORKER_ID ?? '0';
  return `${releaseNamePrefix(chart, 24)}-${worker}${releaseCounter.toString(36)}${randomBytes(2).toString('hex')}`;
}

function releaseNamePrefix(chart: string, maxLength: number): string {
  const fromFile = path
    .basename(chart)
    .replace(/\.tgz$/, '')
    .replace(/-\d+\.\d+\.\d+.*$/, '');
  // an unreadable Chart.yaml fails in helm with a better message
  const name = chartNameIn(chart) ?? fromFile;
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, maxLength)
      .replace(/-+$/, '') || 'release'
  );
}
