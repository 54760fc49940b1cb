/** What replaces a secret in anything chart-testware prints or saves. */
export const redacted = '***';

const secretKeyPattern = /pass(word|wd|phrase)?|token|secret|credential|private|key$|apikey|api_key/i;

/** A key name that, by convention, holds a secret: password, token, secret, *Key, credentials... */
export function isSecretKey(name: string): boolean {
  return secretKeyPattern.test(name);
}

/** A deep copy of `values` with the scalar values under secret-looking keys replaced by "***". */
export function redactValues<T>(values: T): T {
  return redactNode(values, false) as T;
}

function redactNode(node: unknown, secret: boolean): unknown {
  if (Array.isArray(node)) return node.map((item) => redactNode(item, secret));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node as Record<string, unknown>).map(([key, value]) => [
        key,
        redactNode(value, secret || isSecretKey(key)),
      ]),
    );
  }
  return secret && node !== null && node !== undefined && node !== '' ? redacted : node;
}

/** The scalar values under secret-looking keys, to be blanked wherever helm echoes them back. */
export function secretsIn(values: unknown, found: Set<string> = new Set(), secret = false): Set<string> {
  if (Array.isArray(values)) {
    for (const item of values) secretsIn(item, found, secret);
  } else if (values !== null && typeof values === 'object') {
    for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
      secretsIn(value, found, secret || isSecretKey(key));
    }
  } else if (secret && (typeof values === 'string' || typeof values === 'number')) {
    // Short values ("1", "abc") would blank unrelated text; they are covered by the key patterns below.
    if (String(values).length >= 4) found.add(String(values));
  }
  return found;
}

/**
 * Blanks secrets in text: every known secret value, and the value of any `key: value`, `key=value` or
 * `"key": "value"` whose key looks secret.
 */
export class SecretRedactor {
  readonly #secrets: readonly string[];

  constructor(secrets: Iterable<string> = []) {
    // Longest first, so a secret that contains another is blanked whole.
    this.#secrets = [...new Set(secrets)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  }

  /** A redactor that also knows the secrets in these values. */
  with(values: unknown): SecretRedactor {
    return new SecretRedactor([...this.#secrets, ...secretsIn(values)]);
  }

  text(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.split(secret).join(redacted);
    out = out.replace(/("([\w.-]+)"\s*:\s*)"(?:[^"\\]|\\.)*"/g, (all, prefix: string, key: string) =>
      isSecretKey(key) ? `${prefix}"${redacted}"` : all,
    );
    return blankValuesOfSecretKeys(out);
  }

  /** argv with secrets blanked: known secret values, secret keys in --set flags, and values of --password flags. */
  argv(argv: readonly string[]): string[] {
    const out: string[] = [];
    let blankNext = false;
    for (const arg of argv) {
      if (blankNext) {
        out.push(redacted);
        blankNext = false;
        continue;
      }
      const flag = /^--([\w-]+)(=(.*))?$/.exec(arg);
      if (flag && isSecretKey(flag[1] ?? '') && !(flag[1] ?? '').endsWith('-file')) {
        if (flag[2] === undefined) blankNext = !(flag[1] ?? '').endsWith('-stdin');
        out.push(flag[2] === undefined ? arg : `--${flag[1]}=${redacted}`);
        continue;
      }
      out.push(flag?.[3] !== undefined ? `--${flag[1]}=${this.text(flag[3])}` : this.text(arg));
    }
    return out;
  }
}

/**
 * `key: value` and `key=value` whose key looks secret get "***" for the value. Keys are found without consuming
 * values, so in "note: password: x" the second key is still seen.
 */
function blankValuesOfSecretKeys(text: string): string {
  const keyPattern = /(?<=^|[\s,{[(=])([\w.-]*[\w-])[ \t]*[:=][ \t]*/gm;
  const cuts: [number, number][] = [];
  for (const match of text.matchAll(keyPattern)) {
    const key = match[1] ?? '';
    if (!isSecretKey(key.split('.').pop() ?? key)) continue;
    const start = match.index + match[0].length;
    const end = valueEnd(text, start);
    if (end > start && text.slice(start, end) !== redacted) cuts.push([start, end]);
  }
  let out = '';
  let from = 0;
  for (const [start, end] of cuts) {
    if (start < from) continue;
    out += `${text.slice(from, start)}${redacted}`;
    from = end;
  }
  return out + text.slice(from);
}

function valueEnd(text: string, start: number): number {
  const quote = text[start];
  if (quote === '"' || quote === "'") {
    const close = text.indexOf(quote, start + 1);
    const newline = text.indexOf('\n', start);
    return close >= 0 && (newline < 0 || close < newline) ? close + 1 : start;
  }
  let end = start;
  while (end < text.length && !/[\s,}\])]/.test(text[end] as string)) end++;
  // An opening bracket starts a nested structure, not a value.
  return /^[{[(]/.test(text.slice(start, end)) ? start : end;
}
