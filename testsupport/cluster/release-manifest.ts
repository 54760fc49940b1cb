import { gunzipSync } from 'node:zlib';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { RunOptions } from '../config/options.ts';
import { parseManifest } from '../helm/manifest-parser.ts';
import { kubeClients } from '../kube/kube-clients.ts';
import { isTransientApiError } from '../kube/transient-error.ts';

/**
 * The manifest of a release revision, read from helm's own storage Secret (sh.helm.release.v1.<name>.v<rev>)
 * through the API: one request instead of starting helm again. Undefined when the storage is not there (another
 * helm storage driver), so callers fall back to `helm get manifest`. The Secret holds only the release record;
 * nothing of it is printed.
 */
export async function readReleaseManifest(
  options: RunOptions,
  namespace: string,
  releaseName: string,
  revision: number,
): Promise<string | undefined> {
  try {
    const secret = await kubeClients(options).core.readNamespacedSecret({
      name: `sh.helm.release.v1.${releaseName}.v${revision}`,
      namespace,
    });
    const data = secret.data?.release;
    if (!data) return undefined;
    const release = decodeRelease(data) as { manifest?: string };
    return release.manifest;
  } catch (error) {
    // an unreachable server is the caller's to retry; helm would not reach it either
    if (isTransientApiError(error)) throw error;
    return undefined;
  }
}

/** One revision of a release as helm's storage keeps it (only the fields safe to show: no values, no notes). */
export interface ReleaseRecord {
  readonly revision: number;
  readonly status: string;
  readonly description: string;
  readonly updated: string;
  readonly chart: string;
  readonly appVersion: string | undefined;
  readonly manifest: string;
}

/**
 * Every revision of a release from helm's storage Secrets (one API call), oldest first; [] when helm keeps its
 * releases elsewhere. The user-supplied values (which may hold secrets) are never read out.
 */
export async function readReleaseRecords(
  options: RunOptions,
  namespace: string,
  releaseName: string,
): Promise<ReleaseRecord[]> {
  const secrets = await kubeClients(options).core.listNamespacedSecret({
    namespace,
    labelSelector: `owner=helm,name=${releaseName}`,
  });
  const records: ReleaseRecord[] = [];
  for (const secret of secrets.items) {
    const data = secret.data?.release;
    if (!data) continue;
    try {
      const raw = decodeRelease(data) as {
        version?: number;
        manifest?: string;
        info?: { status?: string; description?: string; last_deployed?: string };
        chart?: { metadata?: { name?: string; version?: string; appVersion?: string } };
      };
      records.push({
        revision: raw.version ?? 0,
        status: raw.info?.status ?? '?',
        description: raw.info?.description ?? '',
        updated: raw.info?.last_deployed ?? '',
        chart: `${raw.chart?.metadata?.name ?? '?'}-${raw.chart?.metadata?.version ?? '?'}`,
        appVersion: raw.chart?.metadata?.appVersion,
        manifest: raw.manifest ?? '',
      });
    } catch {
      // not a release record we understand
    }
  }
  return records.sort((a, b) => a.revision - b.revision);
}

function decodeRelease(data: string): unknown {
  let bytes = Buffer.from(Buffer.from(data, 'base64').toString('utf8'), 'base64');
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  return JSON.parse(bytes.toString('utf8'));
}

/** The objects of a manifest (multi-document YAML), skipping empty documents and List wrappers unrolled. */
export function manifestObjects(manifest: string): KubernetesObject[] {
  const objects: KubernetesObject[] = [];
  // read as helm and the API server read it (YAML 1.1, duplicate keys accepted), see helm/manifest-parser.ts
  for (const document of parseManifest(manifest, '1.1', () => true).documents) {
    const object = document.object as (KubernetesObject & { items?: KubernetesObject[] }) | null;
    if (!object || typeof object !== 'object' || !object.kind) continue;
    if (object.kind.endsWith('List') && Array.isArray(object.items)) objects.push(...object.items);
    else objects.push(object);
  }
  return objects;
}
