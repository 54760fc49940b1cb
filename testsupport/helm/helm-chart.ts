import path from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { JSONPath } from 'jsonpath-plus';
import { ChartNotFoundError, DocumentNotFoundError } from './chart-errors.ts';
import { type ChartMetadata, chartFolderFiles, readChartMetadata } from './chart-files.ts';
import { renderOnce } from './chart-render.ts';
import { type SnapshotOptions, snapshotText } from './chart-snapshot.ts';
import { listTemplateFiles, templatePathIn } from './chart-templates.ts';
import { buildDependencies } from './dependency-build.ts';
import { resolveHelmBinary } from './helm-binary.ts';
import { HelmTestAdaptor } from './helm-test-adaptor.ts';
import { checkJsonPath, JsonPathError } from './json-path-check.ts';
import type { KnownKinds } from './known-kinds.ts';
import { LabelSelector } from './label-selector.ts';
import type { BrokenDocument, DuplicateKey } from './manifest-parser.ts';
import type { CachedRender, CacheHit } from './render-cache.ts';
import { brokenError, checkRenderOptions, checkStrict } from './render-call.ts';
import { renderKey } from './render-key.ts';
import type { RenderOptions } from './render-options.ts';
import type { RenderedDocument } from './rendered-document.ts';
import { valuesFileTexts, valuesList } from './values-file.ts';

// the root entry's import of RenderOptions stays where it was
export type { RenderOptions } from './render-options.ts';

/** Which documents: every given field must match. */
export interface DocumentFilter {
  kind?: string;
  name?: string;
  /** A template path as in fromTemplate(). */
  template?: string;
  /** A label selector as kubectl takes it, or required labels. */
  labels?: string | Readonly<Record<string, string>>;
  apiVersion?: string;
}

/**
 * A chart rendered with no cluster: ONE `helm template` call for the whole chart, parsed into documents that keep
 * their source template, with queries by kind, name, template, labels and JSONPath. Renders are cached in memory
 * and on disk, keyed by the chart directory's content, the values, the options and helm's version. The documents
 * are frozen: they are shared with every other test that renders the same thing.
 */
export class HelmChart {
  /** Absolute path of the chart directory. */
  readonly directory: string;
  readonly metadata: ChartMetadata;
  /** Every document helm rendered that is valid YAML, in helm's order. */
  readonly documents: readonly RenderedDocument[];
  /**
   * Documents that are not valid YAML, with their template. A query that could reach one (same template, or a
   * kind and name that could match) throws ChartYamlError naming it; queries on other templates work.
   */
  readonly brokenDocuments: readonly BrokenDocument[];
  /** helm's output as it printed it. */
  readonly manifest: string;
  /** Every template file of the chart (and its unpacked subcharts) that can render manifests, as helm names them. */
  readonly templateFiles: readonly string[];
  /** Where this render came from: false when helm ran, else the cache that had it. */
  readonly cached: CacheHit | false;
  /** Options of this render, secrets included (do not print them). */
  readonly options: Readonly<Omit<RenderOptions, 'helm'>>;

  private constructor(init: {
    directory: string;
    metadata: ChartMetadata;
    render: CachedRender;
    templateFiles: string[];
    cached: CacheHit | false;
    options: Omit<RenderOptions, 'helm'>;
  }) {
    this.directory = init.directory;
    this.metadata = init.metadata;
    this.documents = init.render.documents as readonly RenderedDocument[];
    this.brokenDocuments = init.render.broken ?? [];
    this.manifest = init.render.manifest;
    this.templateFiles = Object.freeze(init.templateFiles);
    this.cached = init.cached;
    this.options = Object.freeze({ ...init.options });
  }

  /** Renders the chart in `chartDir` (relative to the current directory) with one helm call, or from the cache. */
  static async render(chartDir: string, options: RenderOptions = {}): Promise<HelmChart> {
    if (typeof chartDir !== 'string' || chartDir.trim() === '') {
      const given =
        typeof chartDir === 'string' ? `${JSON.stringify(chartDir)}, which is empty` : `a ${typeof chartDir}`;
      throw new ChartNotFoundError(`HelmChart.render needs the chart directory as a path, got ${given}`, {
        hint: 'pass the directory that holds Chart.yaml, e.g. HelmChart.render("charts/my-chart")',
      });
    }
    checkRenderOptions(options);
    // Before the render key is hashed: a cyclic or non-data value is named by its key path.
    valuesFileTexts(options.values);
    const values = valuesList(options.values);
    const { helm: givenHelm, ...renderOptions } = options;
    const helm = givenHelm ?? new HelmTestAdaptor(await resolveHelmBinary());
    let directory = path.resolve(chartDir);
    let metadata = readChartMetadata(directory, chartDir);
    if (options.dependencyBuild) {
      directory = await buildDependencies(directory, chartDir, helm);
      metadata = readChartMetadata(directory, chartDir);
    }
    const templateFiles = listTemplateFiles(chartFolderFiles(directory), metadata, directory);
    const showOnly = options.templates?.map((template) => templatePathIn(metadata.name, templateFiles, [], template));
    const valuesFiles = options.valuesFiles ?? [];
    const key =
      (options.cache ?? true)
        ? await renderKey(directory, values, valuesFiles, renderOptions, helm.binary.version)
        : undefined;
    const request = {
      helm,
      directory,
      chartDir,
      chartName: metadata.name,
      values,
      valuesFiles,
      options,
      showOnly,
      key,
    };
    const { render, cached } = await renderOnce(request);
    return new HelmChart({
      directory,
      metadata,
      render: checkStrict(render, chartDir, options),
      templateFiles,
      cached,
      options: renderOptions,
    });
  }

  /** Every key written twice in a document of this render (helm and the cluster keep the last). */
  get duplicateKeys(): DuplicateKey[] {
    return this.documents.flatMap((doc) => doc.duplicateKeys ?? []);
  }

  /** Templates that produced at least one document, as helm names them. */
  get templates(): string[] {
    return [...new Set(this.documents.map((doc) => doc.template))];
  }

  /** Template files that rendered nothing with these values (e.g. a feature switched off). */
  get emptyTemplates(): string[] {
    const rendered = new Set(this.templates);
    return this.templateFiles.filter((file) => !rendered.has(file));
  }

  /** The documents that match every field of the filter. */
  find<T extends KubernetesObject = KubernetesObject>(filter: DocumentFilter = {}): RenderedDocument<T>[] {
    const selector = filter.labels === undefined ? undefined : LabelSelector.parse(filter.labels);
    const template = filter.template === undefined ? undefined : this.templatePath(filter.template);
    const reached = this.brokenDocuments.filter(
      (doc) =>
        (template === undefined || doc.template === template) &&
        (filter.kind === undefined || doc.kind === undefined || doc.kind === filter.kind) &&
        (filter.name === undefined || doc.name === undefined || doc.name === filter.name),
    );
    if (reached.length > 0) throw brokenError(this.metadata.name, reached);
    return this.documents.filter(
      (doc) =>
        (filter.kind === undefined || doc.object.kind === filter.kind) &&
        (filter.name === undefined || doc.object.metadata?.name === filter.name) &&
        (filter.apiVersion === undefined || doc.object.apiVersion === filter.apiVersion) &&
        (template === undefined || doc.template === template) &&
        (selector === undefined || selector.matches(doc.object.metadata?.labels)),
    ) as RenderedDocument<T>[];
  }

  /** The objects of one kind, typed: `ofKind('Deployment')` gives V1Deployment[]; other kinds take a type argument. */
  ofKind<K extends keyof KnownKinds>(kind: K): KnownKinds[K][];
  ofKind<T extends KubernetesObject>(kind: string): T[];
  ofKind(kind: string): KubernetesObject[] {
    return this.find({ kind }).map((doc) => doc.object);
  }

  /** The one object of this kind and name; throws DocumentNotFoundError (listing what there is) otherwise. */
  get<K extends keyof KnownKinds>(kind: K, name?: string): KnownKinds[K];
  get<T extends KubernetesObject>(kind: string, name?: string): T;
  get(kind: string, name?: string): KubernetesObject {
    if (typeof kind !== 'string' || kind === '') {
      throw new DocumentNotFoundError(`get() needs a kind, got ${JSON.stringify(kind) ?? String(kind)}`, {
        hint: 'e.g. chart.get("Deployment") or chart.get("ConfigMap", "my-config")',
      });
    }
    const found = this.find({ kind, name });
    if (found.length !== 1) {
      const what = name === undefined ? `one ${kind}` : `${kind} "${name}"`;
      const present = this.documents.map((doc) => `${doc.object.kind}/${doc.object.metadata?.name}`).join(', ');
      const otherCase = this.documents.find((doc) => doc.object.kind?.toLowerCase() === kind.toLowerCase())?.object
        .kind;
      if (found.length === 0 && otherCase && otherCase !== kind) {
        throw new DocumentNotFoundError(`chart ${this.metadata.name} rendered no ${kind}; kinds are case-sensitive`, {
          hint: `write "${otherCase}"`,
        });
      }
      throw new DocumentNotFoundError(
        `chart ${this.metadata.name} rendered ${found.length === 0 ? 'no' : found.length} ${kind}${name === undefined ? '' : ` named "${name}"`} where ${what} was expected`,
        { hint: `it rendered: ${present || '(nothing)'}${found.length > 1 ? '; pass a name to pick one' : ''}` },
      );
    }
    return (found[0] as RenderedDocument).object;
  }

  /** The documents named `name` (any kind). */
  named(name: string): RenderedDocument[] {
    return this.find({ name });
  }

  /**
   * The documents of one template file, given relative to the chart ("templates/service.yaml",
   * "charts/sub/templates/x.yaml") or as helm names it ("echo-server/templates/service.yaml"). A template that
   * rendered empty gives []; a path the chart does not have throws UnknownTemplateError.
   */
  fromTemplate(template: string): RenderedDocument[] {
    return this.find({ template });
  }

  /** The documents whose labels match a kubectl-style selector ("app=web,tier!=db") or an object of labels. */
  withLabels(selector: string | Readonly<Record<string, string>>): RenderedDocument[] {
    return this.find({ labels: selector });
  }

  /** JSONPath over every matching document's object, results concatenated in document order. */
  jsonPath<R = unknown>(expression: string, filter: DocumentFilter = {}): R[] {
    checkJsonPath(expression);
    const documents = this.find(filter);
    try {
      return documents.flatMap((doc) => JSONPath({ path: expression, json: doc.object, wrap: true }) as R[]);
    } catch (error) {
      throw new JsonPathError(
        `JSONPath ${JSON.stringify(expression)} cannot be evaluated: ${(error as Error).message}`,
        {
          hint: 'filters are written [?(@.field == "value")]; see the jsonpath-plus syntax',
        },
      );
    }
  }

  /**
   * The render as one stable string for `expect(chart.toSnapshot()).toMatchSnapshot()`: documents ordered by
   * template, kind and name (not by helm's install order, which differs between helm versions), keys sorted.
   */
  toSnapshot(options: SnapshotOptions = {}): string {
    return snapshotText(this.documents, options);
  }

  private templatePath(template: string): string {
    return templatePathIn(this.metadata.name, this.templateFiles, this.templates, template);
  }
}
