import type { LintMessage } from '../helm/lint-output.ts';
import type { BrokenDocument, DuplicateKey } from '../helm/manifest-parser.ts';
import type { ChartSource } from './chart-source.ts';
import type { ImageValueChange } from './image-values.ts';
import { isMap, type JsonMap, mapAt, textAt } from './json-access.ts';
import type { FindingDraft } from './policy-check.ts';

/** One rendered object, List items flattened, with the template it came from. */
export interface PolicyObject {
  readonly object: JsonMap;
  /** "" when the document has no kind. */
  readonly kind: string;
  /** metadata.name (or generateName); "" when absent. */
  readonly name: string;
  readonly template: string;
  /** Position of the document in helm's output. */
  readonly index: number;
  /** Position inside a List document. */
  readonly item?: number | undefined;
}

/** The render with every image value of values.yaml changed, and what was changed. */
export interface ImageRender {
  readonly objects: readonly PolicyObject[];
  readonly changes: readonly ImageValueChange[];
}

/** What a check sees. The render-based fields throw when the check did not declare that it needs them. */
export interface PolicyContext {
  readonly source: ChartSource;
  /** Release name and namespace of every render: unusual and random, so hard-coded ones stand out. */
  readonly releaseName: string;
  readonly namespace: string;
  /** Values given to the test call or the CLI, in order (chart defaults not included). */
  readonly callerValues: readonly JsonMap[];
  /** Every rendered document of the default render, including malformed ones. */
  readonly documents: readonly PolicyObject[];
  /** The well-formed objects of the default render (apiVersion, kind and a name). */
  readonly objects: readonly PolicyObject[];
  readonly imageRender: ImageRender;
  /** Keys written twice in a document of the default render, with that document's kind and name ("" if none). */
  readonly duplicateKeys: readonly { readonly kind: string; readonly name: string; readonly key: DuplicateKey }[];
  /** Documents of the default render that are not valid YAML. */
  readonly brokenDocuments: readonly BrokenDocument[];
  readonly lint: readonly LintMessage[];
}

/** Flattens a rendered document (a List's items become objects of their own, same template). */
export function toPolicyObjects(object: unknown, template: string, index: number): PolicyObject[] {
  // A top-level list or scalar is kept as an empty object, for manifest-well-formed to report.
  if (!isMap(object)) return object === null || object === undefined ? [] : [describe({}, template, index, undefined)];
  const kind = textAt(object, 'kind') ?? '';
  if (/List$/.test(kind) && Array.isArray(object.items)) {
    return object.items.flatMap((item, position) => (isMap(item) ? [describe(item, template, index, position)] : []));
  }
  return [describe(object, template, index, undefined)];
}

/** apiVersion, kind and metadata.name (or generateName) present. */
export function isWellFormed(object: PolicyObject): boolean {
  return object.kind !== '' && object.name !== '' && typeof object.object.apiVersion === 'string';
}

/** A finding about this object. */
export function findingAt(object: PolicyObject, message: string, fix: string): FindingDraft {
  return {
    object: { kind: object.kind || '(no kind)', name: object.name || '(no name)' },
    template: object.template,
    message,
    fix,
  };
}

/** The labels of an object (or of a pod template's metadata). */
export function labelsOf(object: unknown): Record<string, string> {
  const labels = mapAt(object, 'metadata', 'labels') ?? {};
  return Object.fromEntries(Object.entries(labels).map(([key, value]) => [key, String(value)]));
}

export function annotationsOf(object: unknown): Record<string, string> {
  const annotations = mapAt(object, 'metadata', 'annotations') ?? {};
  return Object.fromEntries(Object.entries(annotations).map(([key, value]) => [key, String(value)]));
}

/** The helm hooks of an object ("test", "pre-install", ...); [] for an ordinary object. */
export function hooksOf(object: PolicyObject): string[] {
  const hook = annotationsOf(object.object)['helm.sh/hook'];
  return hook
    ? hook
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)
    : [];
}

export function isTestHook(object: PolicyObject): boolean {
  return hooksOf(object).some((hook) => hook === 'test' || hook === 'test-success' || hook === 'test-failure');
}

function describe(object: JsonMap, template: string, index: number, item: number | undefined): PolicyObject {
  return {
    object,
    kind: textAt(object, 'kind') ?? '',
    name: textAt(object, 'metadata', 'name') ?? textAt(object, 'metadata', 'generateName') ?? '',
    template,
    index,
    item,
  };
}
