import type { KubernetesObject } from '@kubernetes/client-node';
import type { RunOptions } from '../config/options.ts';
import { apiMessage, apiStatus, kubeClients } from '../kube/kube-clients.ts';
import { knownKind } from '../kube/object-ref.ts';

/** One place where a live object differs from the document it was rendered from. */
export interface DriftDifference {
  /** "Kind/name" of the object. */
  readonly object: string;
  /** JSON path of the field, e.g. "$.spec.template.spec.containers[0].tty". */
  readonly path: string;
  readonly rendered: unknown;
  /** undefined when the live object does not have the field. */
  readonly live: unknown;
}

export interface DriftReport {
  /** How many rendered objects were compared with their live twin. */
  readonly compared: number;
  readonly differences: readonly DriftDifference[];
  /** "Kind/name" of rendered objects the cluster does not have. */
  readonly missing: readonly string[];
}

// Fields the API server sets or rewrites on every object; a rendered document that sets them is not "drift".
const serverManaged = new Set([
  '$.metadata.uid',
  '$.metadata.resourceVersion',
  '$.metadata.generation',
  '$.metadata.creationTimestamp',
  '$.metadata.managedFields',
  '$.metadata.selfLink',
  '$.status',
]);

/**
 * Compares each rendered object with the live object of the same apiVersion, kind, name and namespace. Rendered
 * fields must be in the live object with the same value; fields only the live object has (server defaults,
 * status, annotations other controllers add) are not differences. A rendered null, {} or [], and a rendered false,
 * 0 or "" (Go's omitempty), equal an absent field: the API server drops them.
 */
export async function liveDrift(
  options: RunOptions,
  namespace: string,
  rendered: readonly KubernetesObject[],
): Promise<DriftReport> {
  const { objects } = kubeClients(options);
  const differences: DriftDifference[] = [];
  const missing: string[] = [];
  let compared = 0;
  for (const object of rendered) {
    const label = `${object.kind}/${object.metadata?.name}`;
    const namespaced = knownKind(object.kind ?? '')?.namespaced !== false;
    let live: KubernetesObject;
    try {
      live = await objects.read({
        apiVersion: object.apiVersion ?? '',
        kind: object.kind ?? '',
        metadata: {
          name: object.metadata?.name ?? '',
          ...(namespaced ? { namespace: object.metadata?.namespace ?? namespace } : {}),
        },
      });
    } catch (error) {
      if (apiStatus(error) === 404) {
        missing.push(label);
        continue;
      }
      throw new Error(`drift: cannot read ${label} in ${namespace}: ${apiMessage(error)}`, { cause: error });
    }
    compared++;
    differences.push(...compareRendered(label, object, live));
  }
  return { compared, differences, missing };
}

/** The differences between one rendered object and its live twin (see liveDrift). */
export function compareRendered(label: string, rendered: unknown, live: unknown): DriftDifference[] {
  const found: DriftDifference[] = [];
  const walk = (want: unknown, have: unknown, at: string): void => {
    if (serverManaged.has(at)) return;
    if (isUnset(want)) return;
    if (Array.isArray(want)) {
      if (!Array.isArray(have)) {
        found.push({ object: label, path: at, rendered: want, live: have });
        return;
      }
      want.forEach((item, index) => {
        walk(item, have[index], `${at}[${index}]`);
      });
      return;
    }
    if (typeof want === 'object' && want !== null) {
      if (typeof have !== 'object' || have === null || Array.isArray(have)) {
        found.push({ object: label, path: at, rendered: want, live: have });
        return;
      }
      for (const [key, value] of Object.entries(want)) {
        walk(
          value,
          (have as Record<string, unknown>)[key],
          /^[A-Za-z_]\w*$/.test(key) ? `${at}.${key}` : `${at}['${key}']`,
        );
      }
      return;
    }
    // Go's omitempty drops false, 0 and "" on fields that are not pointers (hostNetwork: false is not stored).
    if (have === undefined && (want === false || want === 0 || want === '')) return;
    if (want !== have) found.push({ object: label, path: at, rendered: want, live: have });
  };
  walk(rendered, live, '$');
  return found;
}

function isUnset(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}
