/** Safe reads of parsed YAML, whatever shape a chart rendered. */

export type JsonMap = Record<string, unknown>;

export function isMap(value: unknown): value is JsonMap {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The map at a path, or undefined. */
export function mapAt(value: unknown, ...path: string[]): JsonMap | undefined {
  const found = at(value, path);
  return isMap(found) ? found : undefined;
}

/** The list at a path ([] when absent or not a list). */
export function listAt(value: unknown, ...path: string[]): unknown[] {
  const found = at(value, path);
  return Array.isArray(found) ? found : [];
}

/** The maps of the list at a path. */
export function mapsAt(value: unknown, ...path: string[]): JsonMap[] {
  return listAt(value, ...path).filter(isMap);
}

/** The scalar at a path as a string (numbers and booleans too), or undefined. */
export function textAt(value: unknown, ...path: string[]): string | undefined {
  const found = at(value, path);
  return typeof found === 'string' || typeof found === 'number' || typeof found === 'boolean'
    ? String(found)
    : undefined;
}

export function valueAt(value: unknown, ...path: string[]): unknown {
  return at(value, path);
}

function at(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isMap(current)) return undefined;
    current = current[key];
  }
  return current;
}
