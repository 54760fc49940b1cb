/** What replaces a secret in anything chart-testware prints or saves. */
export const redacted = '***';

/** Words that make a key secret wherever they stand in it: dbPassword, X-Auth-Token, pwd, client_secret. */
const secretWords = new Set([
  'password',
  'passwords',
  'passwd',
  'pwd',
  'pass',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'tokens',
  'credential',
  'credentials',
  'creds',
  'auth',
  'authorization',
  'apikey',
  'privatekey',
]);

/** A key that ends in one of these describes a secret rather than holding it: secretName, passwordFile, secretKeyRef. */
const describingWords = new Set(['name', 'names', 'ref', 'file', 'path', 'dir', 'enabled', 'disabled', 'type', 'mode']);

/** A key whose last word is one of these counts secrets rather than holding one: "secrets: 3", "tokens=2". */
const pluralWords = new Set(['secrets', 'tokens', 'passwords', 'credentials']);

/**
 * A tally, not a credential: a count (1 to 3 digits) after a kind (PascalCase: "Secret:1", "SealedSecret: 2",
 * "TokenReview=1") or a plural ("secrets: 3"). A secret that short is not one anyone could leak (and known secret
 * values under 4 characters are not blanked either); "pwd:123", "Password: 1234" and "secret: 42abc" still are.
 */
function isTally(key: string, value: unknown): boolean {
  const text = typeof value === 'number' && Number.isInteger(value) && value >= 0 ? String(value) : value;
  if (typeof text !== 'string' || !/^\d{1,3}$/.test(text)) return false;
  return /^(?:[A-Z][a-z0-9]+)+$/.test(key) || pluralWords.has(wordsOf(key).at(-1) ?? '');
}

/** Run-together keys ("dbpassword", "APITOKEN") that cannot be split into words. */
const secretInside = /password|passwd|passphrase|secret|token|credential|apikey|privatekey/;

/** "apiKey" -> ["api", "key"]; "X-Auth-Token" -> ["x", "auth", "token"]; "PASSWD" -> ["passwd"]. */
function wordsOf(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/**
 * A key name that, by convention, holds a secret: a word of it is password, passwd, pwd, pass, passphrase, secret,
 * token, credential(s), creds, auth or authorization, or it ends in the word "key" (key, apiKey, ssh_key, tls.key,
 * privateKeyPem). Not: keys whose "key" is part of another word or not last (monkey, keyName, keys), or that name,
 * point at or switch a secret (secretName, passwordFile, secretKeyRef, authEnabled).
 */
export function isSecretKey(name: string): boolean {
  const words = wordsOf(name);
  const last = words.at(-1);
  if (last === undefined || describingWords.has(last)) return false;
  if (words.some((word) => secretWords.has(word))) return true;
  if (last === 'key' || (words.includes('private') && words.includes('key'))) return true;
  return secretInside.test(words.join(''));
}

/** A value that never needs hiding, even under a secret key: switches and nothing. */
function harmless(value: unknown): boolean {
  return value === null || value === undefined || value === '' || typeof value === 'boolean';
}

/**
 * A deep copy of `values` with the scalars under secret-looking keys replaced by "***", and credentials inside any
 * other string (URL passwords, bearer tokens, PEM blocks) masked.
 */
export function redactValues<T>(values: T): T {
  return redactNode(values, false) as T;
}

function redactNode(node: unknown, secret: boolean): unknown {
  if (Array.isArray(node)) return node.map((item) => redactNode(item, secret));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node as Record<string, unknown>).map(([key, value]) => [
        key,
        redactNode(value, secret || (isSecretKey(key) && !isTally(key, value))),
      ]),
    );
  }
  if (secret && !harmless(node)) return redacted;
  return typeof node === 'string' ? maskCredentials(node) : node;
}

/**
 * The secret strings in `values`, to be blanked wherever they are echoed back: scalars under secret keys, and
 * passwords of URLs, bearer tokens and PEM blocks anywhere. Values shorter than 4 characters are left out: blanking
 * every "abc" would wreck the text (the key rules still catch them).
 */
export function secretsIn(values: unknown, found: Set<string> = new Set(), secret = false): Set<string> {
  if (Array.isArray(values)) {
    for (const item of values) secretsIn(item, found, secret);
  } else if (values !== null && typeof values === 'object') {
    for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
      secretsIn(value, found, secret || isSecretKey(key));
    }
  } else if (typeof values === 'string' || typeof values === 'number' || typeof values === 'bigint') {
    const text = String(values);
    if (secret) addSecret(found, text);
    if (typeof values === 'string') for (const inner of credentialsInside(text)) addSecret(found, inner);
  }
  return found;
}

function addSecret(found: Set<string>, value: string): void {
  if (value.length < 4) return;
  found.add(value);
  // as templates and reports re-encode it: b64enc in a Secret's data, JSON escapes, URL escapes
  found.add(Buffer.from(value).toString('base64'));
  found.add(JSON.stringify(value).slice(1, -1));
  found.add(encodeURIComponent(value));
  for (const line of value.split('\n')) if (line.trim().length >= 16) found.add(line.trim());
}

/** Passwords of URLs, bearer tokens and whole PEM blocks inside a string. */
function credentialsInside(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(urlUserInfo)) {
    const password = match[3] ?? '';
    found.push(password);
    try {
      found.push(decodeURIComponent(password));
    } catch {
      // not %-encoded
    }
  }
  for (const match of text.matchAll(bearerToken)) found.push(match[2] ?? '');
  for (const match of text.matchAll(pemBlock)) found.push(match[0]);
  return found;
}

/** scheme://user:password@host (the password may hold "@"; the last "@" before the path ends it). */
const urlUserInfo = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/@?#"'<>]*):([^\s/?#"'<>]+)@/gi;
const bearerToken = /\b(Bearer)\s+([A-Za-z0-9._~+/=-]{4,})/gi;
/** HTTP basic credentials: base64 with a digit, "+", "/" or padding in it (so "Basic authentication" stays). */
const basicCredentials = /\b(Basic)\s+(?=[A-Za-z0-9+/]*[0-9+/=])([A-Za-z0-9+/]{8,}={0,2})/g;
/** A PEM block; an unterminated one (cut-off output) runs to the end of the text. */
const pemBlock = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?(?:-----END \1-----|$)/g;
/** base64 of "-----BEGIN": a PEM block put into a Secret's data. */
const base64Pem = /LS0tLS1CRUdJTi[A-Za-z0-9+/=]*/g;

/** Credentials recognisable by their form anywhere in a text: URL passwords, bearer/basic tokens, PEM blocks. */
function maskCredentials(text: string): string {
  return text
    .replace(pemBlock, (_all, type: string) => `-----BEGIN ${type}-----${redacted}-----END ${type}-----`)
    .replace(base64Pem, redacted)
    .replace(bearerToken, `$1 ${redacted}`)
    .replace(basicCredentials, `$1 ${redacted}`)
    .replace(urlUserInfo, `$1$2:${redacted}@`);
}

const registryKey = Symbol.for('chart-testware.known-secrets');

/**
 * The secret values this process has seen in chart values (every helm call with values adds its own), held on
 * `holder`, the global object: the Jest environment reads the test sandbox's set through the sandbox's global.
 */
export function knownSecrets(holder: object = globalThis): Set<string> {
  const slot = holder as Record<symbol, Set<string> | undefined>;
  slot[registryKey] ??= new Set();
  return slot[registryKey];
}

/** Adds the secrets in these values to the ones every later redaction of this process blanks. */
export function rememberSecrets(values: unknown): void {
  const known = knownSecrets();
  for (const secret of secretsIn(values)) known.add(secret);
}

/**
 * THE redaction for anything written or printed (errors, console, reports, diagnostics, caches): the secret values
 * this process has seen, values of secret-looking keys, URL passwords, bearer tokens and PEM blocks become "***".
 */
export function redactText(text: string, holder: object = globalThis, rules: { keys?: boolean } = {}): string {
  const redactor = new SecretRedactor(knownSecrets(holder));
  return rules.keys === false ? redactor.knownAndForms(text) : redactor.text(text);
}

/**
 * Blanks secrets in text: every known secret value, the value of any `key: value`, `key=value` or
 * `"key": "value"` whose key looks secret (a YAML block scalar whole), and credentials by their form.
 */
export class SecretRedactor {
  readonly #secrets: readonly string[];

  constructor(secrets: Iterable<string> = []) {
    // Longest first, so a secret that contains another is blanked whole.
    this.#secrets = [...new Set(secrets)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  }

  /** A redactor that also knows the secrets in these values (and so, from now on, does redactText()). */
  with(values: unknown): SecretRedactor {
    rememberSecrets(values);
    return new SecretRedactor([...this.#secrets, ...secretsIn(values)]);
  }

  text(text: string): string {
    const out = this.knownAndForms(text).replace(
      /("([\w.-]+)"\s*:\s*)"(?:[^"\\]|\\.)*"/g,
      (all, prefix: string, key: string) => (isSecretKey(key) ? `${prefix}"${redacted}"` : all),
    );
    return blankValuesOfSecretKeys(out);
  }

  /** Known secret values and credentials by their form only: for dumps whose secret keys were blanked already. */
  knownAndForms(text: string): string {
    let out = text;
    for (const secret of this.#secrets) if (out.includes(secret)) out = out.split(secret).join(redacted);
    return maskCredentials(out);
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
 * values, so in "note: password: x" the second key is still seen. A `key: value` that starts a YAML line takes the
 * rest of the line, and a block scalar (`key: |`) its indented lines.
 */
function blankValuesOfSecretKeys(text: string): string {
  // a key starts a line or follows a separator, a quote or a query string's ? and &
  const keyPattern = /(?<=^|[\s,{[(=?&;"'])([\w.-]*[\w-])[ \t]*[:=][ \t]*/gm;
  const cuts: [number, number][] = [];
  for (const match of text.matchAll(keyPattern)) {
    const key = match[1] ?? '';
    const lastKey = key.split('.').pop() ?? key;
    if (!isSecretKey(lastKey)) continue;
    const start = match.index + match[0].length;
    const lineStart = text.lastIndexOf('\n', match.index - 1) + 1;
    const before = text.slice(lineStart, match.index);
    const yamlLine = /^[ \t]*(- )?$/.test(before) && /:[ \t]*$/.test(match[0]);
    let end = valueEnd(text, start, yamlLine ? before.length : undefined);
    let value = text.slice(start, end);
    // "Authorization: Token abc", "auth=Digest abc": a scheme word, then the credential
    if (/^[A-Za-z]+$/.test(value) && !/^(bearer|basic)$/i.test(value) && /auth/i.test(key)) {
      const credential = /^[ \t]+[^\s,}\])&;"']+/.exec(text.slice(end));
      if (credential) end += credential[0].length;
      value = text.slice(start, end);
    }
    // a YAML line's value runs to the end of the line: "Secret: 3, ConfigMap: 2" is a list of counts (each key
    // after the first is looked at on its own)
    const firstCount = /^(\d{1,3})(?:[ \t]*[,;][ \t]*[\w.-]+[ \t]*[:=][ \t]*\d{1,3})*$/.exec(value)?.[1];
    // already masked ("Bearer ***" stays readable), a switch, or a count ("Secret:1")
    if (
      end === start ||
      isTally(lastKey, firstCount ?? value) ||
      /^(["']?)\*\*\*\1$/.test(value) ||
      /^(true|false|null|~|(bearer|basic)( \*\*\*)?)$/i.test(value.trim())
    )
      continue;
    cuts.push([start, end]);
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

/** Where the value starting at `start` ends; `indent` is the key's column when it starts a YAML line. */
function valueEnd(text: string, start: number, indent?: number): number {
  const quote = text[start];
  if (quote === '"' || quote === "'") {
    const close = text.indexOf(quote, start + 1);
    const newline = text.indexOf('\n', start);
    return close >= 0 && (newline < 0 || close < newline) ? close + 1 : start;
  }
  const lineEnd = text.indexOf('\n', start) < 0 ? text.length : text.indexOf('\n', start);
  if (indent !== undefined) {
    const rest = text.slice(start, lineEnd);
    if (/^[|>][-+0-9]*[ \t]*$/.test(rest)) return blockScalarEnd(text, lineEnd, indent);
    // A YAML line's value is the rest of the line (a nested block starts with nothing, "{" or "[").
    if (rest.trim() === '' || /^[{[&*!#]/.test(rest)) return start;
    return start + rest.replace(/[ \t]+#.*$/, '').trimEnd().length;
  }
  let end = start;
  while (end < text.length && !/[\s,}\])&;"']/.test(text[end] as string)) end++;
  // An opening bracket starts a nested structure, not a value.
  return /^[{[(]/.test(text.slice(start, end)) ? start : end;
}

/** The end of a block scalar's lines: the lines after `from` indented deeper than `indent` (or blank). */
function blockScalarEnd(text: string, from: number, indent: number): number {
  let end = from;
  while (end < text.length) {
    const next = text.indexOf('\n', end + 1);
    const line = text.slice(end + 1, next < 0 ? text.length : next);
    const depth = line.length - line.trimStart().length;
    if (line.trim() !== '' && depth <= indent) break;
    end = next < 0 ? text.length : next;
  }
  return end;
}
