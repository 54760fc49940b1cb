import type { KubernetesObject } from '@kubernetes/client-node';
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';

/** A mapping key written more than once in one rendered document: the last one is what helm and the cluster keep. */
export interface DuplicateKey {
  /** JSON-path-like location of the repeated key, e.g. "metadata.labels.tier" or "spec.containers[0].env". */
  readonly path: string;
  /** The template as helm names it. */
  readonly template: string;
  /** Line (1-based) of the repeated key in the rendered document (the `# Source:` line not counted). */
  readonly line: number;
}

/** A document helm printed that is not valid YAML (helm itself would fail on it at install). */
export interface BrokenDocument {
  readonly template: string;
  readonly message: string;
  /** Line in the rendered document, when the parser says. */
  readonly line: number | undefined;
  /** kind and metadata.name as far as a plain text scan finds them (to tell which queries the document reaches). */
  readonly kind: string | undefined;
  readonly name: string | undefined;
}

export interface ParsedDocument {
  readonly object: KubernetesObject;
  readonly template: string;
  readonly index: number;
  /** Present only when the document has duplicate keys. */
  readonly duplicateKeys?: readonly DuplicateKey[];
}

export interface ParsedManifest {
  readonly documents: readonly ParsedDocument[];
  readonly broken: readonly BrokenDocument[];
}

/**
 * '1.1' is what helm and the API server use (Go's YAML decoding, sigs.k8s.io/yaml): yes/no/on/off/y/n booleans,
 * 0755 octal, 1_000, merge keys `<<`, duplicate keys accepted (last wins), timestamps left as strings. '1.2' only
 * exists to show what a YAML 1.2 parser would get wrong.
 */
export type YamlRules = '1.1' | '1.2';

// helm's releaseutil.SplitManifests separator, byte for byte: a `---` at the start of a line.
const separator = /(?:^|\s*\n)---\s*/;
const sourceLine = /^# Source: (.+?)[ \t]*\r?$/m;

/**
 * Splits helm's output the way helm does and parses each document on its own: one bad document spoils no other.
 * `helmAccepted` says which templates helm's own YAML decoding read without error: this parser is stricter than
 * Go's in places (e.g. a flow sequence continued at the key's indentation), so where helm accepted a document, the
 * value this parser recovers is kept instead of calling the document broken. Default: none known.
 */
export function parseManifest(
  manifest: string,
  rules: YamlRules = '1.1',
  helmAccepted: (template: string) => boolean = () => false,
): ParsedManifest {
  const documents: ParsedDocument[] = [];
  const broken: BrokenDocument[] = [];
  let template = '';
  for (const piece of manifest.split(separator)) {
    const source = sourceLine.exec(piece);
    // helm prints `# Source:` as the first line of every document it renders.
    let body = piece;
    if (source?.index === 0) {
      template = source[1] ?? template;
      body = piece.slice(source[0].length).replace(/^\n/, '');
    }
    if (body.trim() === '') continue;
    let lineCounter = new LineCounter();
    let doc = parse(body, rules, lineCounter);
    if (doc.errors.length > 0 && helmAccepted(template)) {
      // Go's decoding accepted it: retry with the lines inside a flow collection indented past their key, which
      // is the one leniency of Go's decoder that real charts rely on (`command: [ "a",` then `"b" ]` below it).
      const retryCounter = new LineCounter();
      const retry = parse(indentFlowContinuations(body), rules, retryCounter);
      if (retry.errors.length === 0) {
        doc = retry;
        lineCounter = retryCounter;
      }
    }
    const error = doc.errors[0];
    if (error) {
      broken.push({
        template,
        message: `${helmAccepted(template) ? "helm's YAML decoding accepts it, but this parser cannot read it exactly: " : ''}${error.message.split('\n')[0] ?? error.message}`,
        line: error.linePos?.[0]?.line,
        kind: /^kind:[ \t]*["']?([\w.-]+)/m.exec(body)?.[1],
        name: /^metadata:[ \t]*\r?\n(?:[ \t]+.*\r?\n)*?[ \t]+name:[ \t]*["']?([\w.-]+)/m.exec(body)?.[1],
      });
      continue;
    }
    const object = doc.toJS({ maxAliasCount: -1 }) as KubernetesObject | null;
    // A template can render only comments or whitespace.
    if (object === null || typeof object !== 'object') continue;
    const duplicateKeys = findDuplicateKeys(doc.contents, template, lineCounter);
    documents.push({
      object,
      template,
      index: documents.length,
      ...(duplicateKeys.length > 0 ? { duplicateKeys } : {}),
    });
  }
  return { documents, broken };
}

function findDuplicateKeys(root: Node | null, template: string, lines: LineCounter): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  const walk = (node: unknown, at: string): void => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const path = at === '' ? key : /^[\w-]+$/.test(key) ? `${at}.${key}` : `${at}[${JSON.stringify(key)}]`;
        if (key !== '<<' && seen.has(key)) {
          const offset = (pair.key as Node | null)?.range?.[0] ?? 0;
          found.push({ path, template, line: lines.linePos(offset).line });
        }
        seen.add(key);
        walk(pair.value, path);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        walk(item, `${at}[${index}]`);
      });
    }
  };
  walk(root, '');
  return found;
}

function parse(text: string, rules: YamlRules, lineCounter: LineCounter) {
  return parseDocument(text, {
    version: rules,
    uniqueKeys: false,
    merge: rules === '1.1',
    lineCounter,
    // Go's YAML decoding into interface{} keeps an unquoted 2001-12-14 as a string; YAML 1.1 would make a Date.
    customTags: (tags) => tags.filter((tag) => (tag as { tag?: string }).tag !== 'tag:yaml.org,2002:timestamp'),
  });
}

/** Indents each line that continues an open flow collection ([ or {) two spaces past the line that opened it. */
export function indentFlowContinuations(text: string): string {
  const lines = text.split('\n');
  let depth = 0;
  let openerIndent = 0;
  return lines
    .map((line) => {
      const indent = /^ */.exec(line)?.[0].length ?? 0;
      let out = line;
      if (depth > 0 && indent <= openerIndent && line.trim() !== '') out = ' '.repeat(openerIndent + 2 - indent) + line;
      const before = depth;
      let quote: string | undefined;
      for (let index = 0; index < line.length; index++) {
        const char = line[index];
        if (quote) {
          if (char === '\\' && quote === '"') index++;
          else if (char === quote) quote = undefined;
        } else if (char === '"' || char === "'") quote = char;
        else if (char === '#' && (index === 0 || line[index - 1] === ' ')) break;
        else if (char === '[' || char === '{') depth++;
        else if ((char === ']' || char === '}') && depth > 0) depth--;
      }
      if (before === 0 && depth > 0) openerIndent = indent;
      return out;
    })
    .join('\n');
}
