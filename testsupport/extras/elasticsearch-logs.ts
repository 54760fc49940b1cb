import { Client, type ClientOptions, type estypes, type TransportRequestOptions } from '@elastic/elasticsearch';
import { ChartTestwareError, ConfigError } from '../errors.ts';
import { type ForwardedPort, portForward } from '../kube/port-forward.ts';
import { giveUp, waitUntil } from '../kube/wait-until.ts';
import { type SkaSeverity, skaLogFields } from './ska-log-format.ts';

/** The log line was not in the store by the deadline (the message says the query and what came closest). */
export class LogLineNotFoundError extends ChartTestwareError {}
/** The log store could not be queried (unreachable, auth refused, bad index pattern). */
export class LogStoreError extends ChartTestwareError {}
/** expectNoLine: a record that should not be there was found (the message shows it). */
export class UnexpectedLogLineError extends ChartTestwareError {}

/** Server major versions whose REST compatibility headers the helper knows. */
export type ElasticsearchMajor = 7 | 8 | 9;

/** Where the log documents keep each thing. Defaults: fluentd/fluent-bit Kubernetes metadata + the SKA fields. */
export interface LogFields {
  /** Fields searched for the phrase (any of them may hold it): the SKA message, then the raw line. */
  readonly message: readonly string[];
  readonly timestamp: string;
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly severity: string;
  readonly tags: string;
  /** Appended to namespace, pod, container and severity for exact (term) matches; '' when they are keywords. */
  readonly exactSuffix: string;
}

export const defaultLogFields: LogFields = {
  message: [skaLogFields.message, 'log', 'message'],
  timestamp: '@timestamp',
  namespace: 'kubernetes.namespace_name',
  pod: 'kubernetes.pod_name',
  container: 'kubernetes.container_name',
  severity: skaLogFields.severity,
  tags: skaLogFields.tags,
  exactSuffix: '.keyword',
};

export interface ElasticsearchLogsOptions {
  /** Default $CHART_TESTWARE_ELASTICSEARCH_URL, else http://127.0.0.1:9200. */
  readonly node?: string;
  readonly auth?: ClientOptions['auth'];
  /** Index pattern; default $CHART_TESTWARE_ELASTICSEARCH_INDEX, else `logstash-*`. */
  readonly index?: string;
  readonly fields?: Partial<LogFields>;
  /** More client options (TLS, a test Connection class...). */
  readonly clientOptions?: Omit<ClientOptions, 'node' | 'auth'>;
  /**
   * The server's major version, which sets the REST compatibility headers every call sends. Default: asked once with
   * `GET /` ($CHART_TESTWARE_ELASTICSEARCH_VERSION, e.g. `8`, also sets it). The 9.x client's own headers
   * (`compatible-with=9`) make a 7.x or 8.x server refuse every call with a body.
   */
  readonly serverMajor?: ElasticsearchMajor;
}

export interface LogQuery {
  /** Found as an exact phrase (Elasticsearch match_phrase: these words, in this order, adjacent). */
  readonly phrase: string;
  readonly namespace?: string;
  readonly pod?: string;
  readonly container?: string;
  readonly severity?: SkaSeverity;
  /** A phrase the SKA tags must contain, e.g. `tango-device:sys/tg_test/1`. */
  readonly tags?: string;
  /** The time window (inclusive): a Date, ISO text or epoch milliseconds. */
  readonly since?: Date | string | number;
  readonly until?: Date | string | number;
  /** Most hits returned by search(); default 100. */
  readonly limit?: number;
}

export interface LogRecord {
  readonly timestamp: string | undefined;
  readonly message: string | undefined;
  readonly namespace: string | undefined;
  readonly pod: string | undefined;
  readonly container: string | undefined;
  readonly severity: string | undefined;
  readonly source: Readonly<Record<string, unknown>>;
}

/** How long expectLine/expectNoLine watch, and how often they ask. */
export interface ExpectLogOptions {
  /** Milliseconds. */
  readonly within: number;
  readonly interval?: number;
  readonly signal?: AbortSignal;
}

export interface WaitForLogOptions {
  readonly timeout?: number;
  readonly interval?: number;
  readonly signal?: AbortSignal;
  /** Wait until at least this many records match; default 1. */
  readonly count?: number;
}

/**
 * Log assertions against Elasticsearch: a phrase (never an OR of its words) scoped by namespace, pod, container
 * and a time window, retried until found or the deadline.
 * `const logs = new ElasticsearchLogs({ node: 'http://127.0.0.1:9200' })`, or through a port-forward to the
 * in-cluster service: `await using logs = await ElasticsearchLogs.viaPortForward({ namespace, service: 'elastic' })`.
 */
export class ElasticsearchLogs implements AsyncDisposable {
  readonly client: Client;
  readonly index: string;
  readonly fields: LogFields;
  readonly node: string;
  #forward: ForwardedPort | undefined;
  #major: Promise<ElasticsearchMajor> | undefined;

  constructor(options: ElasticsearchLogsOptions = {}) {
    this.node = options.node ?? process.env.CHART_TESTWARE_ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200';
    this.index = options.index ?? process.env.CHART_TESTWARE_ELASTICSEARCH_INDEX ?? 'logstash-*';
    this.fields = { ...defaultLogFields, ...options.fields };
    const major = options.serverMajor ?? elasticsearchMajorFromEnv();
    if (major !== undefined) this.#major = Promise.resolve(checkMajor(major, 'the serverMajor option', ConfigError));
    this.client = new Client({
      ...options.clientOptions,
      node: this.node,
      ...(options.auth ? { auth: options.auth } : {}),
    });
  }

  /** Connects through a port-forward to an in-cluster Elasticsearch service (closed by close()). */
  static async viaPortForward(
    target: { namespace: string; service: string; port?: number | string; scheme?: 'http' | 'https' },
    options: Omit<ElasticsearchLogsOptions, 'node'> = {},
  ): Promise<ElasticsearchLogs> {
    const forward = await portForward({
      namespace: target.namespace,
      service: target.service,
      port: target.port ?? 9200,
    });
    const logs = new ElasticsearchLogs({
      ...options,
      node: `${target.scheme ?? 'http'}://127.0.0.1:${forward.localPort}`,
    });
    logs.#forward = forward;
    return logs;
  }

  /** The Elasticsearch query for `query` (exposed so a test can print or check it). */
  buildQuery(query: LogQuery): { bool: estypes.QueryDslBoolQuery } {
    if (query.phrase.trim() === '') throw new TypeError('LogQuery.phrase must not be empty');
    const f = this.fields;
    const filter: estypes.QueryDslQueryContainer[] = [];
    const exact = (field: string, value: string | undefined) => {
      if (value !== undefined) filter.push({ term: { [`${field}${f.exactSuffix}`]: value } });
    };
    exact(f.namespace, query.namespace);
    exact(f.pod, query.pod);
    exact(f.container, query.container);
    exact(f.severity, query.severity);
    if (query.tags !== undefined) filter.push({ match_phrase: { [f.tags]: query.tags } });
    if (query.since !== undefined || query.until !== undefined) {
      const range: estypes.QueryDslDateRangeQuery = { format: 'strict_date_optional_time||epoch_millis' };
      if (query.since !== undefined) range.gte = isoTime(query.since);
      if (query.until !== undefined) range.lte = isoTime(query.until);
      filter.push({ range: { [f.timestamp]: range } });
    }
    const phrase: estypes.QueryDslQueryContainer[] = f.message.map((field) => ({
      match_phrase: { [field]: query.phrase },
    }));
    return {
      bool: {
        filter,
        // Each clause is a whole phrase; "any field" is the only OR here, never "any word".
        should: phrase,
        minimum_should_match: 1,
      },
    };
  }

  /** The server's major version (the serverMajor option, else `GET /`, asked once). */
  serverMajor(): Promise<ElasticsearchMajor> {
    this.#major ??= this.client.info().then(
      (info) =>
        checkMajor(
          Number.parseInt(info.version.number, 10),
          `GET / of ${redactUrl(this.node)} (version ${info.version.number})`,
        ),
      (error: unknown) => {
        this.#major = undefined;
        throw new LogStoreError(
          `Elasticsearch GET / at ${redactUrl(this.node)} (asked for the server version) failed: ${statusText(error)}${(error as Error).message}`,
          {
            hint: 'check the URL (or the port-forward) and that Elasticsearch is up; or set the serverMajor option',
            cause: error,
          },
        );
      },
    );
    return this.#major;
  }

  /**
   * The headers that make the 9.x client speak the server's REST API version: `compatible-with=<major>` for 8 and 9,
   * plain JSON for 7 (7.x before 7.11 refuses the versioned media types).
   */
  async requestOptions(): Promise<TransportRequestOptions> {
    const major = await this.serverMajor();
    const type = major === 7 ? 'application/json' : `application/vnd.elasticsearch+json; compatible-with=${major}`;
    return { headers: { accept: type, 'content-type': type } };
  }

  /** The matching records, oldest first. */
  async search(query: LogQuery): Promise<LogRecord[]> {
    const request = {
      index: this.index,
      query: this.buildQuery(query),
      size: query.limit ?? 100,
      sort: [{ [this.fields.timestamp]: { order: 'asc' as const, unmapped_type: 'date' as const } }],
    };
    const options = await this.requestOptions();
    const response = await this.#call('search', query, () =>
      this.client.search<Record<string, unknown>>(request, options),
    );
    return response.hits.hits.map((hit) => this.#record(hit._source ?? {}));
  }

  /** How many records match. */
  async count(query: LogQuery): Promise<number> {
    const request = { index: this.index, query: this.buildQuery(query) };
    const options = await this.requestOptions();
    const response = await this.#call('count', query, () => this.client.count(request, options));
    return response.count;
  }

  /**
   * Retries search() until at least `count` records match (returned), or throws LogLineNotFoundError at the
   * deadline with the query and the records that share words with the phrase but are not it.
   */
  async waitForLine(query: LogQuery, options: WaitForLogOptions = {}): Promise<LogRecord[]> {
    const wanted = options.count ?? 1;
    const timeout = options.timeout ?? 60_000;
    let last: LogRecord[] = [];
    try {
      return await waitUntil(
        async () => {
          try {
            last = await this.search({ ...query, limit: Math.max(query.limit ?? 100, wanted) });
          } catch (error) {
            // A refused request (bad headers, auth, query) will not get better: stop. Unreachable, 5xx, 429: retry.
            if (isPermanent(error)) giveUp(error as Error);
            throw error;
          }
          return last.length >= wanted ? last : undefined;
        },
        {
          timeout,
          interval: options.interval ?? 1_000,
          signal: options.signal,
          description: `log phrase ${JSON.stringify(query.phrase)}`,
        },
      );
    } catch (error) {
      if (error instanceof LogStoreError || options.signal?.aborted) throw error;
      const nearMisses = await this.#nearMisses(query).catch(() => []);
      throw new LogLineNotFoundError(
        `${wanted === 1 ? 'no log record' : `${last.length} of ${wanted} log records`} with the phrase ${JSON.stringify(query.phrase)} ${this.#scope(query)} at ${redactUrl(this.node)} within ${timeout} ms${
          nearMisses.length
            ? `; records with some of its words:\n${nearMisses.map((r) => `    ${r.timestamp ?? '?'} ${r.pod ?? '?'}: ${r.message ?? ''}`).join('\n')}`
            : ''
        }`,
        {
          hint: 'is the pod logging it, and the log shipper running? Widen the time window or raise the timeout',
          cause: error,
        },
      );
    }
  }

  /** The record appears within `options.within` ms (returned), else LogLineNotFoundError. */
  expectLine(query: LogQuery, options: ExpectLogOptions): Promise<LogRecord[]> {
    return this.waitForLine(query, { timeout: options.within, interval: options.interval, signal: options.signal });
  }

  /**
   * No record matches during the whole of `options.within` ms (asked every `interval`, and once more at the end),
   * else UnexpectedLogLineError with the first records found. Give the shipper's delay room: `within` should be
   * longer than a line takes to become searchable.
   */
  async expectNoLine(query: LogQuery, options: ExpectLogOptions): Promise<void> {
    const deadline = Date.now() + options.within;
    const interval = options.interval ?? 1_000;
    for (;;) {
      options.signal?.throwIfAborted();
      const found = await this.search({ ...query, limit: 5 });
      if (found.length > 0) {
        throw new UnexpectedLogLineError(
          `log records with the phrase ${JSON.stringify(query.phrase)} ${this.#scope(query)} at ${redactUrl(this.node)} were found, though none should appear within ${options.within} ms:\n${found.map((r) => `    ${r.timestamp ?? '?'} ${r.namespace ?? '?'}/${r.pod ?? '?'}: ${r.message ?? ''}`).join('\n')}\n  query: ${JSON.stringify(this.buildQuery(query))}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) return;
      await new Promise((resolve) => setTimeout(resolve, Math.min(interval, left)));
    }
  }

  async close(): Promise<void> {
    await this.client.close();
    await this.#forward?.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #nearMisses(query: LogQuery): Promise<LogRecord[]> {
    const { bool } = this.buildQuery(query);
    const should = this.fields.message.map((field) => ({ match: { [field]: query.phrase } }));
    const response = await this.client.search<Record<string, unknown>>(
      { index: this.index, query: { bool: { ...bool, should, minimum_should_match: 1 } }, size: 5 },
      await this.requestOptions(),
    );
    return response.hits.hits.map((hit) => this.#record(hit._source ?? {}));
  }

  #scope(query: LogQuery): string {
    const parts = [
      query.namespace && `namespace ${query.namespace}`,
      query.pod && `pod ${query.pod}`,
      query.container && `container ${query.container}`,
      query.severity && `severity ${query.severity}`,
      query.tags && `tags "${query.tags}"`,
      query.since !== undefined && `since ${isoTime(query.since)}`,
      query.until !== undefined && `until ${isoTime(query.until)}`,
    ].filter(Boolean);
    return `in ${this.index}${parts.length ? ` (${parts.join(', ')})` : ''}`;
  }

  async #call<T>(what: string, query: LogQuery, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const status = (error as { meta?: { statusCode?: number } }).meta?.statusCode;
      throw new LogStoreError(
        `Elasticsearch ${what} for ${JSON.stringify(query.phrase)} ${this.#scope(query)} at ${redactUrl(this.node)} failed: ${statusText(error)}${(error as Error).message}\n  query: ${JSON.stringify(this.buildQuery(query))}`,
        {
          hint:
            status === 401 || status === 403
              ? 'check the auth option (username/password or apiKey)'
              : /Accept version|media_type_header/.test((error as Error).message)
                ? 'the server refused the REST compatibility headers: set the serverMajor option to its major version'
                : 'check the URL (or the port-forward), that Elasticsearch is up, and the index pattern',
          cause: error,
        },
      );
    }
  }

  #record(source: Record<string, unknown>): LogRecord {
    const f = this.fields;
    const message = f.message.map((field) => valueAt(source, field)).find((value) => typeof value === 'string');
    const text = (field: string) => {
      const value = valueAt(source, field);
      return typeof value === 'string' ? value : undefined;
    };
    return {
      timestamp: text(f.timestamp),
      message: typeof message === 'string' ? message : undefined,
      namespace: text(f.namespace),
      pod: text(f.pod),
      container: text(f.container),
      severity: text(f.severity),
      source,
    };
  }
}

/** A dotted field from a document: flat keys ("kubernetes.pod_name") or nested objects. */
export function valueAt(source: Record<string, unknown>, field: string): unknown {
  if (field in source) return source[field];
  let current: unknown = source;
  for (const part of field.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function isoTime(value: Date | string | number): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new TypeError(`${String(value)} is not a time`);
  return date.toISOString();
}

function isPermanent(error: unknown): boolean {
  if (!(error instanceof LogStoreError)) return false;
  const status = (error.cause as { meta?: { statusCode?: number } } | undefined)?.meta?.statusCode;
  return status !== undefined && status >= 400 && status < 500 && ![404, 408, 429].includes(status);
}

function statusText(error: unknown): string {
  const status = (error as { meta?: { statusCode?: number } }).meta?.statusCode;
  return status ? `HTTP ${status}: ` : '';
}

function checkMajor(major: number, source: string, Failure = LogStoreError): ElasticsearchMajor {
  if (major === 7 || major === 8 || major === 9) return major;
  throw new Failure(`Elasticsearch major version ${major} from ${source} is not one of 7, 8, 9`, {
    hint: 'ElasticsearchLogs knows the REST compatibility headers of 7.x, 8.x and 9.x servers',
  });
}

/** The server major CHART_TESTWARE_ELASTICSEARCH_VERSION names (instead of asking the server), if set. */
export function elasticsearchMajorFromEnv(env: NodeJS.ProcessEnv = process.env): ElasticsearchMajor | undefined {
  const value = env.CHART_TESTWARE_ELASTICSEARCH_VERSION?.trim();
  if (!value) return undefined;
  const major = Number.parseInt(value, 10);
  if (!/^\d+(\.|$)/.test(value)) {
    throw new ConfigError(
      `CHART_TESTWARE_ELASTICSEARCH_VERSION=${JSON.stringify(value)} is not a version (expected e.g. 8 or 8.19.21)`,
    );
  }
  return checkMajor(major, 'CHART_TESTWARE_ELASTICSEARCH_VERSION', ConfigError);
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//***@');
}
