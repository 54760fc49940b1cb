import { isMap, type JsonMap } from './json-access.ts';

/** One value that was changed to see whether the templates use it. */
export interface ImageValueChange {
  /** Dotted path in the values, e.g. "tangodb.image.tag" or "sidecars[0].image". */
  readonly path: string;
  readonly role: 'registry' | 'repository' | 'tag' | 'digest' | 'reference';
  readonly from: unknown;
  readonly to: string;
}

export interface ImageValueOverride {
  /** Values to pass last: only the changed branches (a changed list is passed whole). */
  readonly override: JsonMap;
  readonly changes: readonly ImageValueChange[];
}

const registryMarker = (n: number): string => `reg${n}.policy.invalid`;
const repositoryMarker = (n: number): string => `policy/img${n}`;
// A plain SemVer version, so that a values.schema.json with a version pattern still accepts it.
const tagMarker = (n: number): string => `99.${n}.0`;

/**
 * Finds the image values in a values tree by their shape, not by knowing the chart: maps under an image-like key
 * or holding `repository` (registry/repository/image/name/tag/digest keys), strings under keys ending in "image",
 * and keys ending in "registry", "repository" or "tag" next to image keys. Gives values that change every one of
 * them to a recognisable marker.
 */
export function imageValueOverrides(values: JsonMap): ImageValueOverride {
  const changes: ImageValueChange[] = [];
  let counter = 0;
  const changed = change(values, [], undefined) as JsonMap;
  return { override: (difference(values, changed) as JsonMap | undefined) ?? {}, changes };

  function change(value: unknown, path: string[], key: string | undefined): unknown {
    if (Array.isArray(value)) return value.map((item, index) => change(item, [...path, `[${index}]`], key));
    if (isMap(value)) {
      if (key !== undefined && isImageMap(key, value)) return changeImageMap(value, path);
      const copy: JsonMap = {};
      for (const [childKey, child] of Object.entries(value))
        copy[childKey] = changeEntry(child, [...path, childKey], childKey, value);
      return copy;
    }
    return value;
  }

  function changeEntry(value: unknown, path: string[], key: string, parent: JsonMap): unknown {
    if (isMap(value) || Array.isArray(value)) return change(value, path, key);
    if (!isScalar(value)) return value;
    const n = ++counter;
    if (/image$/i.test(key) && typeof value === 'string' && looksLikeImage(value)) {
      return record(path, 'reference', value, `${registryMarker(n)}/${repositoryMarker(n)}:${tagMarker(n)}`);
    }
    if (/registry$/i.test(key) && typeof value === 'string') return record(path, 'registry', value, registryMarker(n));
    const imageSibling = Object.keys(parent).some((sibling) => /^image/i.test(sibling));
    if (/^image(repository|repo|name)$/i.test(key)) {
      const hasRegistry = Object.keys(parent).some((sibling) => /registry$/i.test(sibling));
      return record(
        path,
        'repository',
        value,
        hasRegistry ? repositoryMarker(n) : `${registryMarker(n)}/${repositoryMarker(n)}`,
      );
    }
    if (/^image(tag|version)$/i.test(key) || (imageSibling && /^tag$/i.test(key)))
      return record(path, 'tag', value, tagMarker(n));
    counter--;
    return value;
  }

  function changeImageMap(map: JsonMap, path: string[]): JsonMap {
    const n = ++counter;
    const hasRegistry = Object.keys(map).some((key) => /registry$/i.test(key));
    // `name` is the image's name only in a map without repository/image (else it names a container or sidecar).
    const repositoryKey = Object.keys(map).some((key) => /^(repository|repo|image)$/i.test(key))
      ? /^(repository|repo|image)$/i
      : /^name$/i;
    const copy: JsonMap = { ...map };
    for (const [key, value] of Object.entries(map)) {
      if (!isScalar(value) && value !== null) continue;
      const where = [...path, key];
      if (/registry$/i.test(key)) copy[key] = record(where, 'registry', value, registryMarker(n));
      else if (repositoryKey.test(key)) {
        copy[key] = record(
          where,
          'repository',
          value,
          hasRegistry ? repositoryMarker(n) : `${registryMarker(n)}/${repositoryMarker(n)}`,
        );
      } else if (/^(tag|version)$/i.test(key)) copy[key] = record(where, 'tag', value, tagMarker(n));
      else if (/digest$/i.test(key) && value) copy[key] = record(where, 'digest', value, '');
    }
    return copy;
  }

  function record(path: string[], role: ImageValueChange['role'], from: unknown, to: string): string {
    changes.push({ path: path.join('.').replaceAll('.[', '['), role, from, to });
    return to;
  }
}

/** Deep merge for values: maps merge, everything else (lists too) is replaced, as helm does. */
export function mergeValues(base: JsonMap, over: JsonMap): JsonMap {
  const merged: JsonMap = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = merged[key];
    merged[key] = isMap(current) && isMap(value) ? mergeValues(current, value) : value;
  }
  return merged;
}

function isImageMap(key: string, map: JsonMap): boolean {
  const scalarKeys = Object.keys(map).filter((k) => isScalar(map[k]) || map[k] === null);
  const has = (pattern: RegExp): boolean => scalarKeys.some((k) => pattern.test(k));
  const imageKey = /image$/i.test(key);
  if (has(/^repository$/i)) return true;
  if (imageKey && (has(/^(image|name|repo)$/i) || has(/^tag$/i) || has(/registry$/i))) return true;
  return has(/^image$/i) && (has(/^tag$/i) || has(/registry$/i));
}

function looksLikeImage(value: string): boolean {
  return value === '' || /^[a-z0-9][a-z0-9._\-/:@]*$/i.test(value);
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function difference(before: unknown, after: unknown): unknown {
  if (isMap(before) && isMap(after)) {
    const result: JsonMap = {};
    for (const [key, value] of Object.entries(after)) {
      const diff = difference(before[key], value);
      if (diff !== undefined) result[key] = diff;
    }
    return Object.keys(result).length > 0 ? result : undefined;
  }
  return JSON.stringify(before) === JSON.stringify(after) ? undefined : after;
}
