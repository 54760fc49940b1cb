import { CustomObjectsApi, type V1APIResourceList } from '@kubernetes/client-node';
import type { RunOptions } from '../config/options.ts';
import { kubeClients } from './kube-clients.ts';
import { knownKind, registerKind } from './object-ref.ts';

/** What API discovery says about a kind beyond its path. */
export interface DiscoveredKind {
  readonly apiVersion: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /** The kind has a status subresource: a controller is expected to write its status. */
  readonly hasStatus: boolean;
}

const cache = new Map<string, Promise<V1APIResourceList | undefined>>();

/**
 * Looks `kind` up in its group version's resource list (one request per group version and process) and makes it
 * watchable (registers its path, see object-ref.ts). Undefined when the API server does not serve it (a CRD not
 * established yet, or removed): such a group version is asked again next time.
 */
export async function discoverKind(
  options: RunOptions,
  apiVersion: string,
  kind: string,
): Promise<DiscoveredKind | undefined> {
  let list = cache.get(apiVersion);
  if (!list) {
    list = fetchResources(options, apiVersion);
    cache.set(apiVersion, list);
  }
  const resources = (await list)?.resources ?? [];
  const resource = resources.find((candidate) => candidate.kind === kind && !candidate.name.includes('/'));
  if (!resource) {
    cache.delete(apiVersion);
    return undefined;
  }
  const found: DiscoveredKind = {
    apiVersion,
    kind,
    plural: resource.name,
    namespaced: resource.namespaced,
    hasStatus: resources.some((candidate) => candidate.name === `${resource.name}/status`),
  };
  if (!knownKind(kind)) registerKind(kind, { apiVersion, plural: found.plural, namespaced: found.namespaced });
  return found;
}

async function fetchResources(options: RunOptions, apiVersion: string): Promise<V1APIResourceList | undefined> {
  const clients = kubeClients(options);
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  try {
    if (!group) return await clients.core.getAPIResources();
    return await clients.config.makeApiClient(CustomObjectsApi).getAPIResources({ group, version: version ?? '' });
  } catch (error) {
    if ((error as { code?: number }).code === 404) return undefined;
    throw error;
  }
}

/** The API group of an apiVersion ("" for the core group's "v1"). */
export function groupOf(apiVersion: string | undefined): string {
  return apiVersion?.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
}
