// ElasticsearchLogs against a real Elasticsearch 8.19 node on loopback (the jars of the `elasticsearch` image,
// scripts/elasticsearch-dist.sh), started once for this file and stopped in afterAll. Documents are written with
// plain HTTP (fetch), independent of the helper under test.

import { createServer } from 'node:net';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import {
  ElasticsearchLogs,
  LogLineNotFoundError,
  LogStoreError,
  UnexpectedLogLineError,
} from '../../testsupport/extras/elasticsearch-logs.ts';
import { LocalElasticsearch } from '../../testsupport/extras/elasticsearch-node.ts';
import { formatSkaLogLine, parseSkaLogLine } from '../../testsupport/extras/ska-log-format.ts';
import { mark } from '../../testsupport/index.ts';

type Doc = Record<string, unknown>;
const index = 'logstash-2026.11.23';

function doc(time: string, pod: string, message: string, extra: Doc = {}): Doc {
  return {
    '@timestamp': time,
    log: message,
    stream: 'stdout',
    kubernetes: { namespace_name: 'ci-42', pod_name: pod, container_name: 'app' },
    ...extra,
  };
}

function skaDoc(time: string, pod: string, line: string): Doc {
  const record = parseSkaLogLine(line);
  if (!record) throw new Error(`fixture is not an SKA line: ${line}`);
  return doc(time, pod, line, {
    ska_severity: record.severity,
    ska_function: record.function,
    ska_line_loc: record.lineLoc,
    ska_thread_id: record.threadId,
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
  { ...doc('2026-11-23T10:08:00Z', 'web-0', 'database ready'), kubernetes: { namespace_name: 'ci-4' } },
];

let node: LocalElasticsearch;
const open: ElasticsearchLogs[] = [];

/** Writes documents with the plain REST API (no client, no compatibility headers needed for application/json). */
async function write(docs: Doc[], refresh: boolean): Promise<void> {
  const body = docs.map((d) => `${JSON.stringify({ index: { _index: index } })}\n${JSON.stringify(d)}\n`).join('');
  const response = await fetch(`${node.url}/_bulk?refresh=${refresh ? 'true' : 'false'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body,
  });
  const result = (await response.json()) as { errors: boolean };
  if (!response.ok || result.errors) throw new Error(`bulk write failed: ${JSON.stringify(result).slice(0, 500)}`);
}

function logs(options: ConstructorParameters<typeof ElasticsearchLogs>[0] = {}): ElasticsearchLogs {
  const client = new ElasticsearchLogs({ node: node.url, index: 'logstash-*', ...options });
  open.push(client);
  return client;
}

beforeAll(async () => {
  node = await LocalElasticsearch.start();
  await write(fixtures, true);
}, 300_000);

afterAll(async () => {
  await Promise.all(open.map((client) => client.close()));
  await node?.stop();
}, 60_000);

mark('no_deploy').describe('ElasticsearchLogs against a real Elasticsearch 8.19 node on loopback', () => {
  test('the server version is asked with GET / and sets the compatibility headers of every call', async () => {
    const client = logs();
    expect(await client.serverMajor()).toBe(8);
    expect(await client.requestOptions()).toEqual({
      headers: {
        accept: 'application/vnd.elasticsearch+json; compatible-with=8',
        'content-type': 'application/vnd.elasticsearch+json; compatible-with=8',
      },
    });
    // Without them the 9.x client's own headers make this 8.x server refuse every call with a body: the helper's
    // search works only because of the headers above.
    await expect(client.client.search({ index: 'logstash-*', query: { match_all: {} } })).rejects.toThrow(
      'Accept version must be either version 8 or 7, but found 9',
    );
    expect(await client.count({ phrase: 'database ready' })).toBe(4);
  });

  test('a wrong serverMajor is refused by the real server with a hint to fix it; 7 (plain JSON) works on 8.x', async () => {
    const failure = await logs({ serverMajor: 9 })
      .search({ phrase: 'database ready' })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LogStoreError);
    expect((failure as Error).message).toContain('HTTP 400');
    expect((failure as Error).message).toContain('set the serverMajor option');
    expect(await logs({ serverMajor: 7 }).count({ phrase: 'database ready' })).toBe(4);
  });

  test('an exact phrase matches only records with those words in that order; one word in common is not enough', async () => {
    const client = logs();
    const found = await client.search({ phrase: 'the quick brown fox' });
    expect(found.map((r) => r.message)).toEqual(['the quick brown fox jumps']);
    // Records sharing words (quick, fox, brown, the) are in the store: an OR of words finds 3.
    const orOfWords = await fetch(`${node.url}/logstash-*/_count`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: { match: { log: 'the quick brown fox' } } }),
    }).then((r) => r.json() as Promise<{ count: number }>);
    expect(orOfWords.count).toBe(3);
    expect(await client.search({ phrase: 'quick purple' })).toEqual([]);
    expect(await client.search({ phrase: 'fox quick' })).toEqual([]);
  });

  test('scoping by namespace, pod and container is exact, and counting', async () => {
    const client = logs();
    expect(await client.count({ phrase: 'database ready', namespace: 'ci-42' })).toBe(2);
    expect(await client.count({ phrase: 'database ready', namespace: 'ci-43', pod: 'other-0' })).toBe(1);
    expect(await client.count({ phrase: 'database ready', namespace: 'ci-42', pod: 'web-1' })).toBe(0);
    expect(await client.count({ phrase: 'database ready', namespace: 'ci-42', container: 'app' })).toBe(2);
    expect(await client.count({ phrase: 'database ready', container: 'sidecar' })).toBe(0);
    // "ci-4" is a namespace of its own, and a token of "ci-42"'s text: the keyword match keeps them apart.
    expect(await client.count({ phrase: 'database ready', namespace: 'ci-4' })).toBe(1);
  });

  test('the time window is inclusive and narrows the hits', async () => {
    const client = logs();
    const window = { since: '2026-11-23T10:00:03Z', until: new Date('2026-11-23T10:04:59Z') };
    expect((await client.search({ phrase: 'database ready', ...window })).map((r) => r.timestamp)).toEqual([
      '2026-11-23T10:00:03Z',
    ]);
    expect(await client.count({ phrase: 'database ready', since: Date.parse('2026-11-23T10:05:00Z') })).toBe(3);
  });

  test('SKA fields: severity and tags scope the search; the record carries them', async () => {
    const client = logs();
    const [record, ...rest] = await client.search({
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
    expect(record?.source).toMatchObject({ ska_function: 'read_attr', ska_line_loc: 'tangotest.py#42' });
    expect(await client.count({ phrase: 'could not be read', severity: 'INFO' })).toBe(0);
    expect(await client.count({ phrase: 'could not be read', tags: 'tango-device:sys/tg_test/2' })).toBe(0);
  });

  test('expectLine retries until a record written later becomes searchable (index refresh, no forced refresh)', async () => {
    const client = logs();
    const phrase = `late arrival ${process.pid}`;
    const writer = new Promise((resolve) => setTimeout(resolve, 300)).then(() =>
      write([doc(new Date().toISOString(), 'web-0', phrase)], false),
    );
    const found = await client.expectLine({ phrase, pod: 'web-0' }, { within: 30_000, interval: 200 });
    await writer;
    expect(found.map((r) => r.message)).toEqual([phrase]);
  });

  test('waitForLine waits for a count of records, and says how many it saw', async () => {
    const client = logs();
    await expect(
      client.waitForLine({ phrase: 'database ready', namespace: 'ci-42' }, { count: 2, timeout: 5_000 }),
    ).resolves.toHaveLength(2);
    await expect(
      // a deadline a loaded machine's first search still answers within (one abandoned at it would count 0 of 3)
      client.waitForLine({ phrase: 'database ready', namespace: 'ci-42' }, { count: 3, timeout: 3_000, interval: 200 }),
    ).rejects.toThrow('2 of 3 log records with the phrase "database ready"');
  });

  test('at the deadline, the error names the URL, the index pattern, the scope and the near misses', async () => {
    const client = logs();
    const failure = await client
      .expectLine({ phrase: 'quick brown bear', namespace: 'ci-42' }, { within: 300, interval: 100 })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LogLineNotFoundError);
    const message = (failure as Error).message;
    expect(message).toContain(
      `no log record with the phrase "quick brown bear" in logstash-* (namespace ci-42) at ${node.url} within 300 ms`,
    );
    expect(message).toContain('web-0: the quick brown fox jumps');
  });

  test('expectNoLine passes when nothing matches for the whole window and fails on a line written during it', async () => {
    const client = logs();
    await client.expectNoLine({ phrase: 'database ready', namespace: 'ci-44' }, { within: 600, interval: 200 });
    const phrase = `should not be here ${process.pid}`;
    const started = Date.now();
    setTimeout(() => void write([doc(new Date().toISOString(), 'web-0', phrase)], true), 400);
    const failure = await client
      .expectNoLine({ phrase, namespace: 'ci-42' }, { within: 30_000, interval: 200 })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UnexpectedLogLineError);
    expect((failure as Error).message).toContain(`ci-42/web-0: ${phrase}`);
    expect((failure as Error).message).toContain('"match_phrase":{"log":');
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  test('a missing index and an unreachable server are LogStoreErrors naming the URL, index and query', async () => {
    const missing = await logs({ index: 'no-such-index' })
      .search({ phrase: 'x y' })
      .catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(LogStoreError);
    expect((missing as Error).message).toContain(`in no-such-index at ${node.url} failed: HTTP 404`);
    expect((missing as Error).message).toContain('query: {"bool":');

    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const down = new ElasticsearchLogs({ node: `http://127.0.0.1:${port}`, clientOptions: { maxRetries: 0 } });
    open.push(down);
    const failure = await down.search({ phrase: 'x' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LogStoreError);
    expect((failure as Error).message).toContain(`GET / at http://127.0.0.1:${port} (asked for the server version)`);
  });

  test('a bad serverMajor or CHART_TESTWARE_ELASTICSEARCH_VERSION is refused before any request', () => {
    expect(() => new ElasticsearchLogs({ node: node.url, serverMajor: 6 as never })).toThrow(
      'Elasticsearch major version 6 from the serverMajor option is not one of 7, 8, 9',
    );
    const saved = process.env.CHART_TESTWARE_ELASTICSEARCH_VERSION;
    try {
      process.env.CHART_TESTWARE_ELASTICSEARCH_VERSION = 'eight';
      expect(() => new ElasticsearchLogs({ node: node.url })).toThrow(
        'CHART_TESTWARE_ELASTICSEARCH_VERSION="eight" is not a version',
      );
    } finally {
      if (saved === undefined) delete process.env.CHART_TESTWARE_ELASTICSEARCH_VERSION;
      else process.env.CHART_TESTWARE_ELASTICSEARCH_VERSION = saved;
    }
  });
});
