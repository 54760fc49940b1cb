import type { HelmValues } from './helm-options.ts';
import type { HelmTestAdaptor } from './helm-test-adaptor.ts';
import { type BrokenDocument, parseManifest } from './manifest-parser.ts';
import { type CachedRender, type CacheHit, readRender, writeRender } from './render-cache.ts';
import { renderWithHelm } from './render-call.ts';
import type { RenderOptions } from './render-options.ts';

// How HelmChart.render gets its documents: from the cache, or from one helm call (shared by overlapping renders of
// the same key) whose output is parsed into documents and broken documents.

/** What to render, worked out by HelmChart.render. */
export interface RenderRequest {
  readonly helm: HelmTestAdaptor;
  /** The directory helm renders (a dependency-built copy when asked for). */
  readonly directory: string;
  /** The chart as the caller named it, for messages. */
  readonly chartDir: string;
  readonly chartName: string;
  readonly values: HelmValues[];
  readonly valuesFiles: readonly string[];
  readonly options: RenderOptions;
  /** helm's names of the templates to render (`--show-only`), when not all. */
  readonly showOnly: readonly string[] | undefined;
  /** The cache key; undefined when the cache is not used. */
  readonly key: string | undefined;
}

const inFlight = new Map<string, Promise<CachedRender>>();

/** The render from the cache when it has it, else from helm (written to the cache when it is used). */
export async function renderOnce(request: RenderRequest): Promise<{ render: CachedRender; cached: CacheHit | false }> {
  const { key } = request;
  if (!key) return { render: await renderFresh(request), cached: false };
  const found = await readRender(key, true);
  if (found) return { render: found.render, cached: found.hit };
  // Renders of the same key that overlap (e.g. Promise.all over tests) share one helm call.
  let render = inFlight.get(key);
  if (!render) {
    render = renderFresh(request)
      .then((fresh) => writeRender(key, fresh, true))
      .finally(() => inFlight.delete(key));
    inFlight.set(key, render);
  }
  return { render: await render, cached: false };
}

async function renderFresh(request: RenderRequest): Promise<CachedRender> {
  const { manifest, yamlError } = await renderWithHelm(
    request.helm,
    request.directory,
    request.chartDir,
    request.chartName,
    request.values,
    request.valuesFiles,
    request.options,
    request.showOnly,
  );
  const { documents, broken } = documentsOf(manifest, yamlError, request.showOnly);
  return {
    manifest,
    documents: documents.map((doc, index) => ({ ...doc, index })),
    ...(broken.length > 0 ? { broken } : {}),
  };
}

/** helm's output as documents and broken documents: helm's YAML decoding is the judge of what is broken. */
function documentsOf(
  manifest: string,
  yamlError: { template: string; message: string } | undefined,
  showOnly: readonly string[] | undefined,
) {
  // Without a YAML error from helm, Go's decoding read every document: a stricter reading here must not break one.
  const parsed = parseManifest(manifest, '1.1', (template) => yamlError === undefined && template !== '');
  // A document helm refused is broken even where this parser read it.
  const helmRefused = (template: string) =>
    yamlError?.template === template && !parsed.broken.some((doc) => doc.template === template);
  const wanted = (template: string) => !showOnly || showOnly.includes(template);
  const refused: BrokenDocument[] =
    yamlError && helmRefused(yamlError.template)
      ? [
          {
            template: yamlError.template,
            message: yamlError.message,
            line: undefined,
            kind: undefined,
            name: undefined,
          },
        ]
      : [];
  return {
    documents: parsed.documents.filter((doc) => wanted(doc.template) && !helmRefused(doc.template)),
    broken: [...parsed.broken, ...refused].filter((doc) => wanted(doc.template)),
  };
}
