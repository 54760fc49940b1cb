import { gunzipSync } from 'node:zlib';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import type { RunOptions } from '../config/options.ts';
import { kubeClients } from '../kube/kube-clients.ts';

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
    let bytes = Buffer.from(Buffer.from(data, 'base64').toString('utf8'), 'base64');
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
    const release = JSON.parse(bytes.toString('utf8')) as { manifest?: string };
    return release.manifest;
  } catch {
    return undefined;
  }
}

/** The objects of a manifest (multi-document YAML), skipping empty documents and List wrappers unrolled. */
export function manifestObjects(manifest: string): KubernetesObject[] {
  const objects: KubernetesObject[] = [];
  for (const document of parseAllDocuments(manifest)) {
    const object = document.toJS() as (KubernetesObject & { items?: KubernetesObject[] }) | null;
    if (!object || typeof object !== 'object' || !object.kind) continue;
    if (object.kind.endsWith('List') && Array.isArray(object.items)) objects.push(...object.items);
    else objects.push(object);
  }
  return objects;
}
