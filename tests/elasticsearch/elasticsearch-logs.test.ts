// ElasticsearchLogs against @elastic/elasticsearch-mock (no Elasticsearch server is installable here): the
// mock's handlers evaluate the query the client really sends over fixture documents (query-evaluator.ts).

import { createRequire } from 'node:module';
import MockModule from '@elastic/elasticsearch-mock';
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import { ElasticsearchLogs, LogLineNotFoundError, LogStoreError } from '../../testsupport/extras/elasticsearch-logs.ts';
import { formatSkaLogLine, parseSkaLogLine } from '../../testsupport/extras/ska-log-format.ts';
import { mark } from '../../testsupport/index.ts';
import { matches } from './query-evaluator.ts';

type Doc = Record<string, unknown>;

// The package is CommonJS (module.exports = the class); its typings describe an ES default export.
const Mock = MockModule as unknown as typeof MockModule.default;
type Mock = InstanceType<typeof Mock>;

// The mock recognises errors by the CommonJS build's classes: take them from there.
const { errors } = createRequire(import.meta.url)('@elastic/elasticsearch') as typeof import('@elastic/elasticsearch');

function doc(time: string, pod: string, message: string, extra: Doc = {}): Doc {
  return {
    '@timestamp': time,
    log: message,
    kubernetes: { namespace_name: 'ci-42', pod_name: pod, container_name: 'app' },
    ...extra,
  };
}

function skaDoc(time: string, pod: string, line: string): Doc {
  const record = parseSkaLogLine(line);
  if (!record) throw new Error(`fixture is not an SKA line: ${line}`);
  return doc(time, pod, line, {
    ska_version: record.version,
    ska_log_timestamp: record.timestamp,
    ska_severity: record.severity,
    ska_thread_id: record.threadId,
    ska_function: record.function,
    ska_line_loc: record.lineLoc,
    ska_tags: Object.entries(record.tags)
      .map(([k, v]) => `${k}:${v}`)
      .join(','),
    ska_log_message: record.message,
  });
}

const fixtures: Doc[] = [
  doc('2026-11-23T10:00:00Z', 'web-0', 'the quick brown fox jumps'),
  doc('2026-11-23T10:00:01Z', 'web-0', 'quick fox is here'),
  doc('2026-11-23T10:00:02Z', 'web-1', 'brown fox: the quick one'),
  doc('2026-11-23T10:00:03Z', 'web-0', 'database ready'),
  doc('2026-11-23T10:05:00Z', 'web-0', 'database ready'),
  skaDoc(
    '2026-11-23T10:06:00Z',
    'tangotest-0',
    formatSkaLogLine({
      timestamp: '2026-11-23T10:06:00.000Z',
      severity: 'ERROR',
      threadId: 'Thread-1',
      function: 'read_attr',
      lineLoc: 'tangotest.py#42',
      tags: { 'tango-device': 'sys/tg_test/1' },
      message: 'attribute double_scalar could not be read',
    }),
  ),
  {
    ...doc('2026-11-23T10:07:00Z', 'other-0', 'database ready'),
    kubernetes: { namespace_name: 'ci-43', pod_name: 'other-0', container_name: 'app' },
  },
];

let mock: Mock;

// The mock extends the CommonJS build's BaseConnection; the client's ESM typings name the ESM build's.
const mockConnection = () => mock.getConnection() as never;
let documents: Doc[];
let requests: { path: string; body: Doc }[];

function client(): ElasticsearchLogs {
  return new ElasticsearchLogs({
    node: 'http://es.test:9200',
    index: 'logstash-*',
    clientOptions: { Connection: mockConnection() },
  });
}

beforeEach(() => {
  documents = [...fixtures];
  requests = [];
  mock = new Mock();
  const hitsFor = (body: Doc) => documents.filter((d) => matches(d, body.query as Doc));
  mock.add({ method: ['GET', 'POST'], path: '/:index/_search' }, (params) => {
    const body = params.body as Doc;
    requests.push({ path: String(params.path), body });
    const hits = hitsFor(body).sort((a, b) => String(a['@timestamp']).localeCompare(String(b['@timestamp'])));
    const size = typeof body.size === 'number' ? body.size : 10;
    return {
      took: 1,
      timed_out: false,
      _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
      hits: {
        total: { value: hits.length, relation: 'eq' },
        max_score: null,
        hits: hits
          .slice(0, size)
          .map((source, i) => ({ _index: 'logstash-2026.11.23', _id: String(i), _score: null, _source: source })),
      },
    };
  });
  mock.add({ method: ['GET', 'POST'], path: '/:index/_count' }, (params) => {
    const body = params.body as Doc;
    requests.push({ path: String(params.path), body });
    return { count: hitsFor(body).length, _shards: { total: 1, successful: 1, skipped: 0, failed: 0 } };
  });
});

afterEach(() => {
  mock.clearAll();
});

mark('no_deploy').describe('Elasticsearch log assertions (with @elastic/elasticsearch-mock)', () => {
  test('an exact phrase matches only records with those words in that order; one word in common is not enough', async () => {
    const logs = client();
    const found = await logs.search({ phrase: 'the quick brown fox' });
    expect(found.map((r) => r.message)).toEqual(['the quick brown fox jumps']);
    // Records sharing words (quick, fox, brown, the) are in the store: an OR of words would have found 3.
    const orOfWords = documents.filter((d) => matches(d, { match: { log: 'the quick brown fox' } }));
    expect(orOfWords).toHaveLength(3);
    expect(await logs.search({ phrase: 'quick purple' })).toEqual([]);
    expect(await logs.search({ phrase: 'fox quick' })).toEqual([]);
  });

  test('the query sent is match_phrase per message field under a filter, never a plain match', async () => {
    const logs = client();
    await logs.search({ phrase: 'database ready', namespace: 'ci-42', pod: 'web-0', container: 'app' });
    const sent = JSON.stringify(requests[0]?.body.query);
    expect(sent).toContain('"match_phrase":{"log":"database ready"}');
    expect(sent).toContain('"match_phrase":{"ska_log_message":"database ready"}');
    expect(sent).not.toContain('"match":');
    expect(sent).toContain('"term":{"kubernetes.namespace_name.keyword":"ci-42"}');
    expect(sent).toContain('"minimum_should_match":1');
    expect(requests[0]?.path).toBe('/logstash-*/_search');
  });

  test('scoping by namespace, pod and container, and counting', async () => {
    const logs = client();
    expect(await logs.count({ phrase: 'database ready' })).toBe(3);
    expect(await logs.count({ phrase: 'database ready', namespace: 'ci-42' })).toBe(2);
    expect(await logs.count({ phrase: 'database ready', namespace: 'ci-43', pod: 'other-0' })).toBe(1);
    expect(await logs.count({ phrase: 'database ready', namespace: 'ci-42', pod: 'web-1' })).toBe(0);
    expect(await logs.count({ phrase: 'database ready', container: 'sidecar' })).toBe(0);
    // "ci-4" shares a token with "ci-42" but is another namespace: exact (keyword) scoping.
    expect(await logs.count({ phrase: 'database ready', namespace: 'ci-4' })).toBe(0);
  });

  test('the time window is inclusive and narrows the hits', async () => {
    const logs = client();
    const window = { since: '2026-11-23T10:00:03Z', until: new Date('2026-11-23T10:04:59Z') };
    expect((await logs.search({ phrase: 'database ready', ...window })).map((r) => r.timestamp)).toEqual([
      '2026-11-23T10:00:03Z',
    ]);
    expect(await logs.count({ phrase: 'database ready', since: Date.parse('2026-11-23T10:05:00Z') })).toBe(2);
  });

  test('SKA fields: severity and tags scope the search; the record carries them', async () => {
    const logs = client();
    const [record, ...rest] = await logs.search({
      phrase: 'could not be read',
      severity: 'ERROR',
      tags: 'tango-device:sys/tg_test/1',
    });
    expect(rest).toEqual([]);
    expect(record).toMatchObject({
      message: 'attribute double_scalar could not be read',
      severity: 'ERROR',
      pod: 'tangotest-0',
    });
    expect(record?.source).toMatchObject({
      ska_function: 'read_attr',
      ska_line_loc: 'tangotest.py#42',
      ska_thread_id: 'Thread-1',
    });
    expect(await logs.count({ phrase: 'could not be read', severity: 'INFO' })).toBe(0);
    expect(await logs.count({ phrase: 'could not be read', tags: 'tango-device:sys/tg_test/2' })).toBe(0);
  });

  test('waitForLine retries until the record arrives', async () => {
    const logs = client();
    setTimeout(() => documents.push(doc(new Date().toISOString(), 'web-0', 'late arrival 7f3a')), 300);
    const started = Date.now();
    const found = await logs.waitForLine(
      { phrase: 'late arrival 7f3a', pod: 'web-0' },
      { timeout: 5_000, interval: 100 },
    );
    expect(found).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(requests.filter((r) => r.path.endsWith('_search')).length).toBeGreaterThan(1);
  });

  test('waitForLine waits for a count of records', async () => {
    const logs = client();
    await expect(
      logs.waitForLine({ phrase: 'database ready', namespace: 'ci-42' }, { count: 2, timeout: 1_000 }),
    ).resolves.toHaveLength(2);
    await expect(
      logs.waitForLine({ phrase: 'database ready', namespace: 'ci-42' }, { count: 3, timeout: 300, interval: 100 }),
    ).rejects.toThrow('2 of 3 log records with the phrase "database ready"');
  });

  test('at the deadline, the error names the query and the records that share only some words', async () => {
    const logs = client();
    const failure = await logs
      .waitForLine({ phrase: 'quick brown bear', namespace: 'ci-42' }, { timeout: 300, interval: 100 })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LogLineNotFoundError);
    const message = (failure as Error).message;
    expect(message).toMatch(
      /^no log record with the phrase "quick brown bear" in logstash-\* \(namespace ci-42\) within 300 ms; records with some of its words:\n/,
    );
    expect(message).toContain('web-0: the quick brown fox jumps');
  });

  test('a store that answers with an error becomes a LogStoreError saying where and why', async () => {
    mock.clearAll();
    mock.add(
      { method: ['GET', 'POST'], path: '/:index/_search' },
      () =>
        new errors.ResponseError({
          body: { error: { type: 'security_exception', reason: 'missing authentication credentials' }, status: 401 },
          statusCode: 401,
          headers: {},
          warnings: [],
          meta: {} as never,
        }),
    );
    const logs = new ElasticsearchLogs({
      node: 'http://elastic:secret@es.test:9200',
      clientOptions: { Connection: mockConnection(), maxRetries: 0 },
    });
    const failure = await logs.search({ phrase: 'x' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LogStoreError);
    expect((failure as Error).message).toContain('HTTP 401');
    expect((failure as Error).message).toContain('http://***@es.test:9200');
    expect((failure as Error).message).not.toContain('secret');
    expect((failure as Error).message).toContain('hint: check the auth option');
  });

  test('SKA log lines round-trip through format and parse; other lines are not SKA', () => {
    const line =
      '1|2020-01-14T08:24:54.560Z|WARNING|Thread-3|on|x.py#9|tango-device:a/b/c,subsystem:csp|a | in the message';
    expect(parseSkaLogLine(line)).toEqual({
      version: '1',
      timestamp: '2020-01-14T08:24:54.560Z',
      severity: 'WARNING',
      threadId: 'Thread-3',
      function: 'on',
      lineLoc: 'x.py#9',
      tags: { 'tango-device': 'a/b/c', subsystem: 'csp' },
      message: 'a | in the message',
    });
    const parsed = parseSkaLogLine(line);
    expect(parsed && formatSkaLogLine(parsed)).toBe(line);
    expect(parseSkaLogLine('plain text')).toBeUndefined();
    expect(parseSkaLogLine('1|not a time|INFO|||||m')).toBeUndefined();
    expect(parseSkaLogLine('1|2020-01-14T08:24:54Z|LOUD|||||m')).toBeUndefined();
  });
});
