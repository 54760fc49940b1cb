import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { chartContentHash } from './chart-content-hash.ts';
import type { HelmValues } from './helm-options.ts';
import type { RenderOptions } from './render-options.ts';

/** The cache key of a render: the chart's content, the values (and values files' contents), options, helm version. */
export async function renderKey(
  directory: string,
  values: readonly HelmValues[],
  valuesFiles: readonly string[],
  options: Omit<RenderOptions, 'helm'>,
  helmVersion: string,
): Promise<string> {
  const fileHashes = await Promise.all(
    valuesFiles.map(async (file) => {
      try {
        return createHash('sha256')
          .update(await readFile(file))
          .digest('hex');
      } catch {
        return `missing:${file}`;
      }
    }),
  );
  const relevant = {
    releaseName: options.releaseName ?? 'release',
    namespace: options.namespace ?? 'default',
    kubeVersion: options.kubeVersion,
    apiVersions: options.apiVersions,
    includeCrds: options.includeCrds ?? false,
    skipTests: options.skipTests ?? false,
    isUpgrade: options.isUpgrade ?? false,
    templates: options.templates ? [...options.templates].sort() : undefined,
  };
  return createHash('sha256')
    .update(
      stableJson({
        chart: await chartContentHash(directory),
        values,
        valuesFiles: fileHashes,
        relevant,
        helmVersion,
        format: 2,
      }),
    )
    .digest('hex');
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(
          Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : item,
  );
}
