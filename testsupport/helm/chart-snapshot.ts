import type { KubernetesObject } from '@kubernetes/client-node';
import { JSONPath } from 'jsonpath-plus';
import { stringify as stringifyYaml } from 'yaml';
import type { RenderedDocument } from './rendered-document.ts';

export interface SnapshotOptions {
  /** JSONPath expressions whose values are replaced by "<masked>" (e.g. generated passwords, timestamps). */
  mask?: readonly string[];
}

/**
 * Documents as one stable string: ordered by template, kind and name (not by helm's install order, which differs
 * between helm versions), keys sorted, masked values replaced.
 */
export function snapshotText(documents: readonly RenderedDocument[], options: SnapshotOptions = {}): string {
  const ordered = [...documents].sort(
    (a, b) =>
      compare(a.template, b.template) ||
      compare(a.object.kind ?? '', b.object.kind ?? '') ||
      compare(a.object.metadata?.name ?? '', b.object.metadata?.name ?? '') ||
      a.index - b.index,
  );
  return ordered
    .map((doc) => {
      const object = options.mask?.length ? mask(doc.object, options.mask) : doc.object;
      return `# Source: ${doc.template}\n${stringifyYaml(object, { sortMapEntries: true, lineWidth: 0 })}`;
    })
    .join('---\n');
}

function mask(object: KubernetesObject, paths: readonly string[]): KubernetesObject {
  const copy = structuredClone(object);
  for (const expression of paths) {
    const matches = JSONPath({ path: expression, json: copy, resultType: 'all', wrap: true }) as {
      parent: Record<string | number, unknown> | null;
      parentProperty: string | number;
    }[];
    for (const match of matches) {
      if (match.parent) match.parent[match.parentProperty] = '<masked>';
    }
  }
  return copy;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
