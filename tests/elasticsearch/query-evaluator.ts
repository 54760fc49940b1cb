// A tiny stand-in for Elasticsearch's query engine, for the mock server of the log-assertion tests: it
// evaluates the query the client really sent against fixture documents, the way Elasticsearch would for the
// clauses it knows (bool, match_phrase, match, term, range, match_all), and refuses anything else.

type Doc = Record<string, unknown>;
type Clause = Record<string, unknown>;

/** Elasticsearch's standard analyzer, closely enough: lowercase words of letters, digits and underscores. */
export function analyze(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}_]+(?:'[\p{L}\p{N}_]+)*/gu) ?? []).filter(Boolean);
}

function fieldValue(doc: Doc, field: string): { value: unknown; exact: boolean } {
  const exact = field.endsWith('.keyword');
  const name = exact ? field.slice(0, -'.keyword'.length) : field;
  if (name in doc) return { value: doc[name], exact };
  let current: unknown = doc;
  for (const part of name.split('.')) {
    if (current === null || typeof current !== 'object') return { value: undefined, exact };
    current = (current as Doc)[part];
  }
  return { value: current, exact };
}

function single(clause: unknown, kind: string): [string, unknown] {
  const entries = Object.entries(clause as Clause);
  if (entries.length !== 1) throw new Error(`${kind} needs exactly one field, got ${JSON.stringify(clause)}`);
  return entries[0] as [string, unknown];
}

function containsPhrase(tokens: string[], phrase: string[]): boolean {
  if (phrase.length === 0) return false;
  for (let i = 0; i + phrase.length <= tokens.length; i++) {
    if (phrase.every((word, j) => tokens[i + j] === word)) return true;
  }
  return false;
}

export function matches(doc: Doc, query: Clause): boolean {
  const [kind, body] = single(query, 'query');
  switch (kind) {
    case 'match_all':
      return true;
    case 'bool': {
      const b = body as {
        filter?: Clause[];
        must?: Clause[];
        should?: Clause[];
        must_not?: Clause[];
        minimum_should_match?: number;
      };
      const list = (v: Clause[] | Clause | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
      if (!list(b.filter).every((q) => matches(doc, q))) return false;
      if (!list(b.must).every((q) => matches(doc, q))) return false;
      if (list(b.must_not).some((q) => matches(doc, q))) return false;
      const should = list(b.should);
      const needed =
        b.minimum_should_match ?? (list(b.filter).length + list(b.must).length > 0 ? 0 : should.length ? 1 : 0);
      return should.filter((q) => matches(doc, q)).length >= needed;
    }
    case 'match_phrase': {
      const [field, spec] = single(body, 'match_phrase');
      const phrase = typeof spec === 'string' ? spec : String((spec as { query: unknown }).query);
      const { value } = fieldValue(doc, field);
      return typeof value === 'string' && containsPhrase(analyze(value), analyze(phrase));
    }
    case 'match': {
      // The seed's query: any one word of the text is enough (operator "or").
      const [field, spec] = single(body, 'match');
      const text = typeof spec === 'string' ? spec : String((spec as { query: unknown }).query);
      const { value } = fieldValue(doc, field);
      if (typeof value !== 'string') return false;
      const tokens = new Set(analyze(value));
      return analyze(text).some((word) => tokens.has(word));
    }
    case 'term': {
      const [field, spec] = single(body, 'term');
      const wanted = spec !== null && typeof spec === 'object' ? (spec as { value: unknown }).value : spec;
      const { value, exact } = fieldValue(doc, field);
      if (exact) return value === wanted;
      // term on a text field compares against its tokens, as Elasticsearch does.
      return typeof value === 'string' && analyze(value).includes(String(wanted));
    }
    case 'range': {
      const [field, spec] = single(body, 'range');
      const r = spec as { gte?: string; lte?: string; gt?: string; lt?: string };
      const { value } = fieldValue(doc, field);
      const t = Date.parse(String(value));
      if (Number.isNaN(t)) return false;
      if (r.gte !== undefined && t < Date.parse(r.gte)) return false;
      if (r.gt !== undefined && t <= Date.parse(r.gt)) return false;
      if (r.lte !== undefined && t > Date.parse(r.lte)) return false;
      if (r.lt !== undefined && t >= Date.parse(r.lt)) return false;
      return true;
    }
    default:
      throw new Error(`the mock does not evaluate "${kind}" queries`);
  }
}
