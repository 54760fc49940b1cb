import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type V1Pod, VersionApi } from '@kubernetes/client-node';
import type { RunOptions } from '../config/options.ts';
import type { HelmRelease } from '../helm/helm-test-adaptor.ts';
import { valuesList } from '../helm/values-file.ts';
import { kubeClients } from '../kube/kube-clients.ts';
import { record } from '../record/recorder.ts';
import type { DeploymentRecord, ImageRecord } from '../record/run-event.ts';

/** What recordDeployment needs of a ChartDeployment (structural, so that report/ does not import cluster/). */
export interface DeployedRelease {
  readonly releaseName: string;
  readonly namespace: string;
  readonly release: HelmRelease | undefined;
  readonly helm: { readonly binary: { readonly version: string } };
  readonly options: RunOptions;
  pods(): Promise<V1Pod[]>;
}

const kubernetesVersions = new Map<string, Promise<string | undefined>>();

/**
 * Records a ready release for the inventory: chart name and version, a digest of the values given (never the
 * values), and each container's image with the digest the node ran (pod status imageID). Never throws.
 */
export async function recordDeployment(
  deployment: DeployedRelease,
  given: { readonly values?: unknown; readonly valuesFiles?: readonly string[] } = {},
): Promise<DeploymentRecord | undefined> {
  try {
    const chart = deployment.release?.chart ?? '';
    const split = /^(.*)-(v?\d+\.\d+\.\d+[^/]*)$/.exec(chart);
    const images: ImageRecord[] = (await deployment.pods()).flatMap((pod) => {
      const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
      return statuses.map((status) => ({
        pod: pod.metadata?.name ?? '?',
        container: status.name,
        image: status.image,
        imageID: status.imageID ?? '',
      }));
    });
    const clients = kubeClients(deployment.options);
    const key = clients.config.getCurrentCluster()?.server ?? '';
    if (!kubernetesVersions.has(key)) {
      kubernetesVersions.set(
        key,
        clients.config
          .makeApiClient(VersionApi)
          .getCode()
          .then((info) => info.gitVersion)
          .catch(() => undefined),
      );
    }
    const kubernetesVersion = await kubernetesVersions.get(key);
    const deploymentRecord: DeploymentRecord = {
      release: deployment.releaseName,
      namespace: deployment.namespace,
      chart,
      chartName: split?.[1] ?? chart,
      chartVersion: split?.[2] ?? '',
      ...(deployment.release?.appVersion ? { appVersion: deployment.release.appVersion } : {}),
      valuesDigest: valuesDigest(given.values, given.valuesFiles),
      images,
      ...(kubernetesVersion ? { kubernetesVersion } : {}),
      helmVersion: deployment.helm.binary.version,
      ...(key ? { cluster: key } : {}),
    };
    record({
      kind: 'deployment',
      lane: `release ${deployment.releaseName}`,
      label: `${chart} ready (${images.length} container(s))`,
      outcome: 'ready',
      namespace: deployment.namespace,
      deployment: deploymentRecord,
    });
    return deploymentRecord;
  } catch {
    return undefined;
  }
}

/** sha256 over the values objects (as JSON with sorted keys) and the values files' contents. */
export function valuesDigest(values: unknown, valuesFiles: readonly string[] = []): string {
  const hash = createHash('sha256');
  for (const item of valuesList(values)) hash.update(canonicalJson(item)).update('\n');
  for (const file of valuesFiles) {
    try {
      hash.update(readFileSync(file));
    } catch {
      hash.update(`unreadable:${file}`);
    }
    hash.update('\n');
  }
  return `sha256:${hash.digest('hex')}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
