import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  StorageV1Api,
} from '@kubernetes/client-node';
import { loadOptions, type RunOptions } from '../config/options.ts';
import { loadKubeConfig } from './kube-config.ts';

/** The typed API clients of one kubeconfig, made once per process and context. */
export interface KubeClients {
  readonly config: KubeConfig;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly batch: BatchV1Api;
  readonly discovery: DiscoveryV1Api;
  readonly storage: StorageV1Api;
  readonly objects: KubernetesObjectApi;
}

const cache = new Map<string, KubeClients>();

export function kubeClients(options: RunOptions = loadOptions()): KubeClients {
  const key = `${options.kubeconfig ?? ''}\u0000${options.kubeContext ?? ''}`;
  let clients = cache.get(key);
  if (!clients) {
    const config = loadKubeConfig(options);
    clients = {
      config,
      core: config.makeApiClient(CoreV1Api),
      apps: config.makeApiClient(AppsV1Api),
      batch: config.makeApiClient(BatchV1Api),
      discovery: config.makeApiClient(DiscoveryV1Api),
      storage: config.makeApiClient(StorageV1Api),
      objects: KubernetesObjectApi.makeApiClient(config),
    };
    cache.set(key, clients);
  }
  return clients;
}

/** The HTTP status of a failed API call, or undefined when the error did not come from the API server. */
export function apiStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The API server's own message of a failed call (its Status body), falling back to the error message. */
export function apiMessage(error: unknown): string {
  const body = (error as { body?: unknown } | null)?.body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: string };
      if (parsed.message) return parsed.message;
    } catch {
      // not JSON: fall through
    }
  } else if (body && typeof body === 'object' && 'message' in body && typeof body.message === 'string') {
    return body.message;
  }
  return (error as Error)?.message ?? String(error);
}

/** A JSON merge patch (RFC 7386) of any object: the fields given replace theirs, a list as a whole. */
export function mergePatch<T extends KubernetesObject>(objects: KubernetesObjectApi, patch: T): Promise<T> {
  return objects.patch(patch, undefined, undefined, undefined, undefined, PatchStrategy.MergePatch);
}
