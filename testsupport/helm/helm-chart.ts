import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type {
  KubernetesObject,
  V1ConfigMap,
  V1CronJob,
  V1CustomResourceDefinition,
  V1DaemonSet,
  V1Deployment,
  V1HorizontalPodAutoscaler,
  V1Ingress,
  V1Job,
  V1NetworkPolicy,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1PodDisruptionBudget,
  V1Role,
  V1RoleBinding,
  V1Secret,
  V1Service,
  V1ServiceAccount,
  V1StatefulSet,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import { JSONPath } from 'jsonpath-plus';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { readChartArchive } from './chart-archive.ts';
import { chartContentHash } from './chart-content-hash.ts';
import { ChartFileError, ChartNotFoundError, DocumentNotFoundError, UnknownTemplateError } from './chart-errors.ts';
import { buildDependencies } from './dependency-build.ts';
import { resolveHelmBinary } from './helm-binary.ts';
import { HelmTestAdaptor, type HelmValues, type ValuesOptions } from './helm-test-adaptor.ts';
import { checkJsonPath, JsonPathError } from './json-path-check.ts';
import { LabelSelector } from './label-selector.ts';
import { type BrokenDocument, type DuplicateKey, parseManifest } from './manifest-parser.ts';
import { type CachedRender, type CacheHit, readRender, writeRender } from './render-cache.ts';
import { brokenError, checkRenderOptions, checkStrict, renderWithHelm } from './render-call.ts';
import type { RenderedDocument } from './rendered-document.ts';
import { valuesFileText } from './values-file.ts';

const inFlight = new Map<string, Promise<CachedRender>>();

/** Kinds whose client-node model type `ofKind('Kind')` knows without a type argument. */
export interface KnownKinds {
  ConfigMap: V1ConfigMap;
  CronJob: V1CronJob;
  CustomResourceDefinition: V1CustomResourceDefinition;
  DaemonSet: V1DaemonSet;
  Deployment: V1Deployment;
  HorizontalPodAutoscaler: V2HorizontalPodAutoscaler | V1HorizontalPodAutoscaler;
  Ingress: V1Ingress;
  Job: V1Job;
  NetworkPolicy: V1NetworkPolicy;
  PersistentVolume: V1PersistentVolume;
  PersistentVolumeClaim: V1PersistentVolumeClaim;
  Pod: V1Pod;
  PodDisruptionBudget: V1PodDisruptionBudget;
  Role: V1Role;
  RoleBinding: V1RoleBinding;
  Secret: V1Secret;
  Service: V1Service;
  ServiceAccount: V1ServiceAccount;
  StatefulSet: V1StatefulSet;
}

/** Chart.yaml, as helm documents it. */
export interface ChartMetadata {
  readonly apiVersion: string;
  readonly name: string;
  readonly version: string;
  readonly appVersion?: string;
  readonly description?: string;
  readonly type?: string;
  readonly kubeVersion?: string;
  readonly keywords?: readonly string[];
  readonly home?: string;
  readonly icon?: string;
  readonly sources?: readonly string[];
  readonly maintainers?: readonly { name: string; email?: string; url?: string }[];
  readonly dependencies?: readonly {
    name: string;
    version?: string;
    repository?: string;
    alias?: string;
    condition?: string;
  }[];
  readonly annotations?: Readonly<Record<string, string>>;
  readonly [field: string]: unknown;
}

export interface RenderOptions extends ValuesOptions {
  /** .Release.Name; default "release". */
  releaseName?: string;
  /** .Release.Namespace; default "default". */
  namespace?: string;
  /** .Capabilities.KubeVersion, e.g. "1.32.0"; default: helm's own. */
  kubeVersion?: string;
  /** Extra .Capabilities.APIVersions, e.g. ["monitoring.coreos.com/v1"]. */
  apiVersions?: readonly string[];
  includeCrds?: boolean;
  /** Leave out templates/tests (helm test hooks); default false. */
  skipTests?: boolean;
  isUpgrade?: boolean;
  /** Default: a helm on resolveHelmBinary(), no cluster. */
  helm?: HelmTestAdaptor;
  /** Default true: reuse a render of the same chart content, values, options and helm version (memory and disk). */
  cache?: boolean;
  /** Timeout of the helm call in ms; default 2 minutes. */
  timeout?: number;
  /**
   * Render only these template files (helm `--show-only`, still one helm call), given as in fromTemplate():
   * "templates/service.yaml", "charts/sub/templates/x.yaml" or helm's "my-chart/templates/service.yaml".
   */
  templates?: readonly string[];
  /** Throw ChartYamlError at render when a document repeats a key or is not valid YAML; default false. */
  strictYaml?: boolean;
  /**
   * Run `helm dependency build` first, on a copy of the chart in the cache (the chart directory is not changed),
   * once per chart content and helm version.
   */
  dependencyBuild?: boolean;
}

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

export interface SnapshotOptions {
  /** JSONPath expressions whose values are replaced by "<masked>" (e.g. generated passwords, timestamps). */
  mask?: readonly string[];
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
      throw new ChartNotFoundError(`chart directory ${JSON.stringify(chartDir)} is empty`, {
        hint: 'pass the directory that holds Chart.yaml, e.g. HelmChart.render("charts/my-chart")',
      });
    }
    checkRenderOptions(options);
    const values = toArray(options.values);
    // Before the render key is hashed: a cyclic or non-data value is named by its key path.
    values.forEach((item, index) => {
      valuesFileText(item, Array.isArray(options.values) ? `values[${index}]` : 'values');
    });
    const { helm: givenHelm, ...renderOptions } = options;
    const helm = givenHelm ?? new HelmTestAdaptor(await resolveHelmBinary());
    let directory = path.resolve(chartDir);
    let metadata = readChartMetadata(directory, chartDir);
    if (options.dependencyBuild) {
      directory = await buildDependencies(directory, chartDir, helm);
      metadata = readChartMetadata(directory, chartDir);
    }
    const templateFiles = listTemplateFiles(directory, metadata);
    const showOnly = options.templates?.map((template) => templatePathIn(metadata.name, templateFiles, [], template));
    const useCache = options.cache ?? true;

    const valuesFiles = options.valuesFiles ?? [];
    const key = useCache
      ? await renderKey(directory, values, valuesFiles, renderOptions, helm.binary.version)
      : undefined;
    if (key) {
      const found = await readRender(key, true);
      if (found) {
        return new HelmChart({
          directory,
          metadata,
          render: checkStrict(found.render, chartDir, options),
          templateFiles,
          cached: found.hit,
          options: renderOptions,
        });
      }
    }

    const runHelm = async (): Promise<CachedRender> => {
      const output = await renderWithHelm(
        helm,
        directory,
        chartDir,
        metadata.name,
        values,
        valuesFiles,
        options,
        showOnly,
      );
      const { manifest, yamlError } = output;
      // Without a YAML error from helm, Go's decoding read every document: a stricter reading here must not break one.
      const parsed = parseManifest(manifest, '1.1', (template) => yamlError === undefined && template !== '');
      // helm's YAML decoding is the judge: a document it refused is broken even where this parser read it.
      const helmRefused = (template: string) =>
        yamlError?.template === template && !parsed.broken.some((doc) => doc.template === template);
      const wanted = showOnly && new Set(showOnly);
      const documents = parsed.documents.filter(
        (doc) => (!wanted || wanted.has(doc.template)) && !helmRefused(doc.template),
      );
      const broken = [
        ...parsed.broken,
        ...(yamlError && helmRefused(yamlError.template)
          ? [
              {
                template: yamlError.template,
                message: yamlError.message,
                line: undefined,
                kind: undefined,
                name: undefined,
              },
            ]
          : []),
      ].filter((doc) => !wanted || wanted.has(doc.template));
      const render: CachedRender = {
        manifest,
        documents: documents.map((doc, index) => ({ ...doc, index })),
        ...(broken.length > 0 ? { broken } : {}),
      };
      return key ? writeRender(key, render, true) : render;
    };
    // Renders of the same key that overlap (e.g. Promise.all over tests) share one helm call.
    let render: Promise<CachedRender>;
    if (key) {
      const running = inFlight.get(key);
      render = running ?? runHelm().finally(() => inFlight.delete(key));
      if (!running) inFlight.set(key, render);
    } else {
      render = runHelm();
    }
    return new HelmChart({
      directory,
      metadata,
      render: checkStrict(await render, chartDir, options),
      templateFiles,
      cached: false,
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
    const found = this.find({ kind, name });
    if (found.length !== 1) {
      const what = name === undefined ? `one ${kind}` : `${kind} "${name}"`;
      const present = this.documents.map((doc) => `${doc.object.kind}/${doc.object.metadata?.name}`).join(', ');
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
    const ordered = [...this.documents].sort(
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

  private templatePath(template: string): string {
    return templatePathIn(this.metadata.name, this.templateFiles, this.templates, template);
  }
}

/** helm's name of a template given as the user wrote it; UnknownTemplateError when the chart has none such. */
function templatePathIn(
  chartName: string,
  templateFiles: readonly string[],
  rendered: readonly string[],
  template: string,
): string {
  const candidates = [template, `${chartName}/${template}`];
  const known = candidates.find((candidate) => templateFiles.includes(candidate) || rendered.includes(candidate));
  if (!known) {
    throw new UnknownTemplateError(`chart ${chartName} has no template "${template}"`, {
      hint: `its templates: ${templateFiles.map((file) => file.slice(chartName.length + 1)).join(', ')}`,
    });
  }
  return known;
}

/** Reads Chart.yaml of a chart directory. */
export function readChartMetadata(directory: string, shownAs: string = directory): ChartMetadata {
  const file = path.join(directory, 'Chart.yaml');
  if (!existsSync(file)) {
    throw new ChartNotFoundError(
      existsSync(directory)
        ? `${shownAs} is not a chart directory: it has no Chart.yaml`
        : `chart directory ${shownAs} does not exist (resolved to ${directory})`,
      { hint: `pass the directory that holds Chart.yaml; relative paths start at ${process.cwd()}` },
    );
  }
  let metadata: ChartMetadata | null;
  try {
    // As helm reads it: YAML 1.1, a key written twice is accepted (the last one wins).
    metadata = parseYaml(readFileSync(file, 'utf8'), {
      version: '1.1',
      uniqueKeys: false,
      merge: true,
    }) as ChartMetadata | null;
  } catch (error) {
    const where = (error as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    throw new ChartFileError(
      `${path.join(shownAs, 'Chart.yaml')} is not valid YAML${where ? ` (line ${where.line}, column ${where.col})` : ''}: ${(error as Error).message.split('\n')[0]}`,
      { hint: `fix the YAML of ${file}; \`helm lint ${shownAs}\` shows the same place` },
    );
  }
  if (!metadata || typeof metadata.name !== 'string') {
    throw new ChartNotFoundError(`${file} has no chart name`, {
      hint: 'Chart.yaml needs apiVersion, name and version',
    });
  }
  return Object.freeze(metadata);
}

/**
 * The template files helm renders into manifests: templates/** minus partials (_*) and NOTES.txt, for the chart
 * and its subcharts (unpacked directories and .tgz archives under charts/, named by their alias when they have one).
 */
function listTemplateFiles(directory: string, metadata: ChartMetadata): string[] {
  const files: string[] = [];
  const isTemplate = (file: string) => {
    const base = file.split('/').pop() ?? '';
    return !base.startsWith('_') && base !== 'NOTES.txt';
  };
  const walk = (dir: string, shown: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (statSync(path.join(dir, entry.name)).isDirectory())
        walk(path.join(dir, entry.name), `${shown}/${entry.name}`);
      else if (isTemplate(entry.name)) files.push(`${shown}/${entry.name}`);
    }
  };
  walk(path.join(directory, 'templates'), `${metadata.name}/templates`);
  // A dependency renders under its alias (once per alias) when Chart.yaml gives one.
  const renderedNames = (name: string): string[] => {
    const uses = (metadata.dependencies ?? []).filter((dependency) => dependency.name === name);
    return uses.length === 0 ? [name] : uses.map((dependency) => dependency.alias ?? dependency.name);
  };
  const subcharts = path.join(directory, 'charts');
  if (existsSync(subcharts)) {
    for (const entry of readdirSync(subcharts)) {
      const sub = path.join(subcharts, entry);
      if (statSync(sub).isDirectory() && existsSync(path.join(sub, 'Chart.yaml'))) {
        const subMetadata = readChartMetadata(sub);
        for (const alias of renderedNames(subMetadata.name)) {
          for (const file of listTemplateFiles(sub, { ...subMetadata, name: alias })) {
            files.push(`${metadata.name}/charts/${file}`);
          }
        }
      } else if (entry.endsWith('.tgz')) {
        const archive = readChartArchive(sub);
        if (!archive) continue;
        const templates = archive.files.filter((file) => file.startsWith('templates/') && isTemplate(file));
        for (const alias of renderedNames(archive.name)) {
          for (const file of templates) files.push(`${metadata.name}/charts/${alias}/${file}`);
        }
      }
    }
  }
  return files.sort();
}

async function renderKey(
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
      ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => compare(a, b)))
      : item,
  );
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

function toArray(values: RenderOptions['values']): HelmValues[] {
  if (values === undefined) return [];
  return Array.isArray(values) ? [...values] : [values as HelmValues];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
