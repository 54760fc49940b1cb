// Shared by the chart_deploy tests: fixture chart paths and the images the local cluster's node already has.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadOptions } from '../../testsupport/config/options.ts';
import { ConfigError } from '../../testsupport/errors.ts';
import { kubeClients } from '../../testsupport/kube/kube-clients.ts';
import { projectRoot } from '../support/runner-process.ts';

export { projectRoot };

export function fixtureChart(name: string): string {
  return path.join(projectRoot, 'tests', 'fixtures', 'charts', name);
}

let busybox: Promise<string> | undefined;

/** The busybox image imported into the node (nothing is ever pulled on the local cluster). */
export function busyboxImage(): Promise<string> {
  busybox ??= (async () => {
    const nodes = (await kubeClients(loadOptions()).core.listNode()).items;
    const names = nodes.flatMap((node) => node.status?.images ?? []).flatMap((image) => image.names ?? []);
    const found = names.find((name) => /(^|\/)busybox[:@]/.test(name) && !name.includes('@sha256'));
    if (!found) {
      throw new ConfigError(`no busybox image on the cluster's node (it has: ${names.join(', ') || 'none'})`, {
        hint: 'run `npm run cluster:up`; it imports chart-testware.local/busybox',
      });
    }
    return found;
  })();
  return busybox;
}

/** Values that point a fixture chart at the node's busybox image. */
export async function busyboxValues(extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  return { image: await busyboxImage(), pullPolicy: 'IfNotPresent', ...extra };
}

/** Every file below `dir`, recursively (e.g. what a diagnostics directory holds). */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const file = path.join(dir, entry);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });
}

/** The files collectDiagnostics() always writes (logs/ comes on top, per pod and container). */
export const diagnosticsFiles = [
  'events.txt',
  'not-ready.yaml',
  'helm-status.json',
  'helm-history.json',
  'manifest.yaml',
];
