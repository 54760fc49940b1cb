import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { RunOptions } from '../config/options.ts';
import { ChartTestwareError, ConfigError } from '../errors.ts';
import { ClusterUnreachableError } from './cluster-unreachable-error.ts';
import { connectionCause } from './connection-cause.ts';
import { apiMessage, apiStatus } from './kube-clients.ts';
import { loadKubeConfig } from './kube-config.ts';

export interface ClusterIdentity {
  readonly server: string;
  readonly context: string;
  readonly user: string;
}

/**
 * One request to the cluster, bounded by `timeoutMs`, that a run needs to succeed anyway (list namespaces): throws
 * ClusterUnreachableError naming the server, context, user and the real cause (refused, DNS, TLS, 401/403, bad
 * port, no answer in time). A kubeconfig that cannot be read throws its ConfigError first.
 */
export async function checkCluster(options: RunOptions, timeoutMs = 5_000): Promise<ClusterIdentity> {
  const config = loadKubeConfig(options);
  const identity = identityOf(config);
  checkServerUrl(identity, options.kubeconfig);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([config.makeApiClient(CoreV1Api).listNamespace({ limit: 1 }), timedOut]);
    if (outcome === 'timeout') {
      throw unreachable(
        identity,
        `no answer within ${timeoutMs / 1000} s`,
        'is the server up, and is this its address?',
      );
    }
  } catch (error) {
    if (error instanceof ChartTestwareError) throw error;
    throw clusterError(identity, error);
  } finally {
    clearTimeout(timer);
  }
  return identity;
}

/** A server that is no http(s) URL is a mistake in the kubeconfig, said before any request. */
function checkServerUrl(identity: ClusterIdentity, kubeconfig: string | undefined): void {
  let protocol: string | undefined;
  try {
    protocol = new URL(identity.server).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new ConfigError(
      `the server "${identity.server}" of kube context "${identity.context}" in ${kubeconfig ?? 'the default kubeconfig'} is not an https:// URL`,
      { hint: 'fix clusters[].cluster.server in the kubeconfig, e.g. https://127.0.0.1:6443' },
    );
  }
}

/** The server, context and user a kubeconfig points at, as a person would name them. */
export function identityOf(config: KubeConfig): ClusterIdentity {
  return {
    server: config.getCurrentCluster()?.server ?? '(no server)',
    context: config.getCurrentContext() || '(none)',
    user: config.getCurrentUser()?.name ?? '(none)',
  };
}

/** An error of a call to the cluster turned into one message that names the server and the cause. */
export function clusterError(identity: ClusterIdentity, error: unknown): ClusterUnreachableError {
  const status = apiStatus(error);
  if (status === 401) {
    return unreachable(
      identity,
      `HTTP 401 Unauthorized: the server does not accept the credentials of user "${identity.user}"`,
      'the token or client certificate of that user is wrong or expired: get a fresh kubeconfig for this cluster',
    );
  }
  if (status === 403) {
    return unreachable(
      identity,
      `HTTP 403 Forbidden for user "${identity.user}": ${apiMessage(error)}`,
      'that identity needs to list, create and delete namespaces: use a kubeconfig with those rights',
    );
  }
  if (status !== undefined) {
    return unreachable(
      identity,
      `HTTP ${status}: ${apiMessage(error)}`,
      'is this the address of a Kubernetes API server?',
    );
  }
  const { text, hint } = connectionCause(error);
  return unreachable(identity, text, hint);
}

function unreachable(identity: ClusterIdentity, cause: string, hint: string): ClusterUnreachableError {
  return new ClusterUnreachableError(
    `cannot use the cluster at ${identity.server} (kube context "${identity.context}"): ${cause}`,
    { hint },
  );
}
