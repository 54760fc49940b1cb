// ElasticsearchLogs on answers a real node cannot give here, with @elastic/elasticsearch-mock: the loopback node
// (elasticsearch-logs.test.ts) has no security module, so it never answers 401, and it cannot be made to answer 503
// on demand. Everything else is tested against the real node.

import { createRequire } from 'node:module';
import MockModule from '@elastic/elasticsearch-mock';
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import { ElasticsearchLogs, LogStoreError } from '../../testsupport/extras/elasticsearch-logs.ts';
import { mark } from '../../testsupport/index.ts';

// The package is CommonJS (module.exports = the class); its typings describe an ES default export.
const Mock = MockModule as unknown as typeof MockModule.default;
type Mock = InstanceType<typeof Mock>;

// The mock recognises errors by the CommonJS build's classes: take them from there.
const { errors } = createRequire(import.meta.url)('@elastic/elasticsearch') as typeof import('@elastic/elasticsearch');

let mock: Mock;
// The mock extends the CommonJS build's BaseConnection; the client's ESM typings name the ESM build's.
const mockConnection = () => mock.getConnection() as never;

function failWith(statusCode: number, type: string, reason: string) {
  mock.add(
    { method: ['GET', 'POST'], path: '/:index/_search' },
    () =>
      new errors.ResponseError({
        body: { error: { type, reason }, status: statusCode },
        statusCode,
        headers: {},
        warnings: [],
        meta: {} as never,
      }),
  );
}

beforeEach(() => {
  mock = new Mock();
});

afterEach(() => {
  mock.clearAll();
});

mark('no_deploy').describe('ElasticsearchLogs on store errors (with @elastic/elasticsearch-mock)', () => {
  test('401: a LogStoreError saying where and why, with the credentials redacted', async () => {
    failWith(401, 'security_exception', 'missing authentication credentials');
    const logs = new ElasticsearchLogs({
      node: 'http://elastic:secret@es.test:9200',
      serverMajor: 8,
      clientOptions: { Connection: mockConnection(), maxRetries: 0 },
    });
    const failure = await logs.search({ phrase: 'x' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LogStoreError);
    expect((failure as Error).message).toContain('HTTP 401');
    expect((failure as Error).message).toContain('http://***@es.test:9200');
    expect((failure as Error).message).not.toContain('secret');
    expect((failure as Error).message).toContain('hint: check the auth option');
  });

  test('401 while waiting: waitForLine stops at once with the store error instead of waiting out its deadline', async () => {
    failWith(401, 'security_exception', 'missing authentication credentials');
    const logs = new ElasticsearchLogs({
      node: 'http://es.test:9200',
      serverMajor: 8,
      clientOptions: { Connection: mockConnection(), maxRetries: 0 },
    });
    const failure = await logs
      .waitForLine({ phrase: 'x', namespace: 'ci-1' }, { timeout: 600_000, interval: 100 })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LogStoreError);
    expect((failure as Error).message).toContain('HTTP 401');
    expect((failure as Error).message).toContain('in logstash-* (namespace ci-1) at http://es.test:9200');
  });

  test('503 while waiting is retried: a store that recovers before the deadline finds the line', async () => {
    let calls = 0;
    mock.add({ method: ['GET', 'POST'], path: '/:index/_search' }, () => {
      calls += 1;
      if (calls <= 2) {
        return new errors.ResponseError({
          body: { error: { type: 'cluster_block_exception', reason: 'state not recovered' }, status: 503 },
          statusCode: 503,
          headers: {},
          warnings: [],
          meta: {} as never,
        });
      }
      const source = { '@timestamp': '2026-11-23T10:00:00Z', log: 'back again', kubernetes: { pod_name: 'web-0' } };
      return {
        took: 1,
        timed_out: false,
        _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
        hits: {
          total: { value: 1, relation: 'eq' },
          max_score: null,
          hits: [{ _index: 'i', _id: '1', _source: source }],
        },
      };
    });
    const logs = new ElasticsearchLogs({
      node: 'http://es.test:9200',
      serverMajor: 8,
      clientOptions: { Connection: mockConnection(), maxRetries: 0 },
    });
    const found = await logs.waitForLine({ phrase: 'back again' }, { timeout: 60_000, interval: 50 });
    expect(found.map((r) => r.message)).toEqual(['back again']);
    expect(calls).toBe(3);
  });
});
