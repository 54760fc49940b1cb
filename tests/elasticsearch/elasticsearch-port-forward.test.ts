// ElasticsearchLogs.viaPortForward on the local cluster, aimed at something that is not Elasticsearch (an
// EchoServer's service): the request must travel through the forward and come back refused as "not
// Elasticsearch", and close() must close the forward. The forward to a real node: logging-chart.test.ts.
import { connect } from 'node:net';
import { expect, test } from '@jest/globals';
import { EchoServer } from '../../testsupport/extras/echo-server.ts';
import { ElasticsearchLogs, LogStoreError } from '../../testsupport/extras/elasticsearch-logs.ts';
import { mark } from '../../testsupport/index.ts';

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

mark('chart_deploy').describe('Elasticsearch through a port-forward', () => {
  test('queries travel through the forward to the service; close() ends the forward', async () => {
    await using echo = await EchoServer.deploy();
    const logs = await ElasticsearchLogs.viaPortForward(
      { namespace: echo.namespace, service: echo.name, port: 'http' },
      // the server version is given, so the search itself (not the version question) travels through the forward
      { clientOptions: { maxRetries: 0 }, serverMajor: 8 },
    );
    const port = Number(new URL(logs.node).port);
    expect(logs.node).toBe(`http://127.0.0.1:${port}`);
    expect(await canConnect(port)).toBe(true);
    const failure = await logs
      .search({ phrase: 'anything', namespace: echo.namespace })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LogStoreError);
    // The echo server answered (404, without Elasticsearch's product header): the client refuses it.
    expect((failure as Error).message).toMatch(
      new RegExp(
        `^Elasticsearch search for "anything" in logstash-\\* \\(namespace ${echo.namespace}\\) at http://127\\.0\\.0\\.1:${port} failed: `,
      ),
    );
    expect((failure as Error).message).toMatch(/not Elasticsearch|HTTP 404/);
    await logs.close();
    expect(await canConnect(port)).toBe(false);
  }, 120_000);
});
