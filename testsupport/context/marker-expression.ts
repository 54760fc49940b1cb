import { ChartTestwareError } from '../errors.ts';

/** A bad marker expression or an unknown marker. */
export class MarkerError extends ChartTestwareError {}

/** A parsed `--marker` expression: true when a test with these markers is selected. */
export type MarkerPredicate = (markers: ReadonlySet<string>) => boolean;

export interface ParsedMarkerExpression {
  readonly source: string;
  readonly matches: MarkerPredicate;
  /** The marker names the expression mentions. */
  readonly names: readonly string[];
}

interface Token {
  readonly kind: 'name' | 'and' | 'or' | 'not' | '(' | ')' | 'end';
  readonly text: string;
  readonly at: number;
}

/**
 * Parses a pytest-style marker expression (`and`, `or`, `not`, parentheses; `not` binds tightest, then `and`,
 * then `or`) and checks every name against the known markers.
 */
export function parseMarkerExpression(
  source: string,
  knownMarkers: readonly string[],
  givenAs = '--marker',
): ParsedMarkerExpression {
  const tokens = tokenize(source, givenAs);
  let position = 0;
  const names: string[] = [];
  const peek = (): Token => tokens[position] as Token;
  const fail = (token: Token, expected: string): never => {
    const found = token.kind === 'end' ? 'the end of the expression' : `"${token.text}"`;
    throw new MarkerError(
      `malformed marker expression in ${givenAs}: expected ${expected} at column ${token.at + 1}, found ${found}\n` +
        `  ${source}\n  ${' '.repeat(token.at)}^`,
      { hint: 'write marker names joined by and / or / not, with parentheses, e.g. "chart_deploy and not quarantine"' },
    );
  };

  const parseOr = (): MarkerPredicate => {
    let left = parseAnd();
    while (peek().kind === 'or') {
      position++;
      const [l, r] = [left, parseAnd()];
      left = (markers) => l(markers) || r(markers);
    }
    return left;
  };
  const parseAnd = (): MarkerPredicate => {
    let left = parseNot();
    while (peek().kind === 'and') {
      position++;
      const [l, r] = [left, parseNot()];
      left = (markers) => l(markers) && r(markers);
    }
    return left;
  };
  const parseNot = (): MarkerPredicate => {
    if (peek().kind === 'not') {
      position++;
      const operand = parseNot();
      return (markers) => !operand(markers);
    }
    return parsePrimary();
  };
  const parsePrimary = (): MarkerPredicate => {
    const token = peek();
    if (token.kind === '(') {
      position++;
      const inner = parseOr();
      if (peek().kind !== ')') fail(peek(), '")"');
      position++;
      return inner;
    }
    if (token.kind !== 'name') return fail(token, 'a marker name, "not" or "("');
    position++;
    names.push(token.text);
    return (markers) => markers.has(token.text);
  };

  if (peek().kind === 'end') fail(peek(), 'a marker name');
  const matches = parseOr();
  if (peek().kind !== 'end') fail(peek(), '"and", "or" or the end of the expression');

  const unknown = [...new Set(names.filter((name) => !knownMarkers.includes(name)))];
  if (unknown.length > 0) {
    throw new MarkerError(
      `unknown marker${unknown.length > 1 ? 's' : ''} "${unknown.join('", "')}" in ${givenAs} "${source}"`,
      {
        hint: `known markers: ${knownMarkers.join(', ')}; register more under "markers" in chart-testware.json`,
      },
    );
  }
  return Object.freeze({ source, matches, names: Object.freeze([...new Set(names)]) });
}

/** The selection when no --marker is given: everything but quarantine. */
export const defaultMarkerExpression = 'not quarantine';

function tokenize(source: string, givenAs: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\()|(\))|([A-Za-z_][A-Za-z0-9_]*)|(\S))/gy;
  while (pattern.lastIndex < source.length) {
    const match = pattern.exec(source);
    if (match === null) break;
    const at = match.index + (match[0].length - match[0].trimStart().length);
    if (match[1]) tokens.push({ kind: '(', text: '(', at });
    else if (match[2]) tokens.push({ kind: ')', text: ')', at });
    else if (match[3]) {
      const word = match[3];
      const kind = word === 'and' || word === 'or' || word === 'not' ? word : 'name';
      tokens.push({ kind, text: word, at });
    } else if (match[4]) {
      throw new MarkerError(
        `malformed marker expression in ${givenAs}: unexpected "${match[4]}" at column ${at + 1}\n  ${source}\n  ${' '.repeat(at)}^`,
        { hint: 'marker names are letters, digits and "_"; combine them with and / or / not and parentheses' },
      );
    }
  }
  tokens.push({ kind: 'end', text: '', at: source.length });
  return tokens;
}
