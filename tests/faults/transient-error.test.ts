import net from 'node:net';
import { describe, expect, test } from '@jest/globals';
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { mark } from '../../testsupport/index.ts';
import { isTransientApiError, retryTransient } from '../../testsupport/kube/transient-error.ts';
import { WaitTimeoutError } from '../../testsupport/kube/wait-until.ts';

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** What the generated API client throws when the server's port is closed. */
async function refusedCall(): Promise<unknown> {
  const config = new KubeConfig();
  config.loadFromClusterAndUser(
    { name: 'gone', server: `http://127.0.0.1:${await closedPort()}`, skipTLSVerify: true },
    { name: 'nobody' },
  );
  return config
    .makeApiClient(CoreV1Api)
    .listNamespace()
    .then(
      () => undefined,
      (error: unknown) => error,
    );
}

mark('no_deploy').describe('transient API errors', () => {
  test('a refused connection and 429/502/503/504 are transient; 403, 404, 410 and other errors are not', async () => {
    const refused = await refusedCall();
    expect(refused).toBeInstanceOf(Error);
    expect(isTransientApiError(refused)).toBe(true);
    for (const code of [429, 502, 503, 504])
      expect(isTransientApiError(new ApiException(code, 'x', '', {}))).toBe(true);
    for (const code of [400, 403, 404, 410, 500]) {
      expect(isTransientApiError(new ApiException(code, 'x', '', {}))).toBe(false);
    }
    expect(isTransientApiError(new Error('cannot parse the manifest'))).toBe(false);
    expect(isTransientApiError(undefined)).toBe(false);
  });

  describe('retryTransient', () => {
    test('retries a refused call until it answers', async () => {
      let calls = 0;
      const refused = await refusedCall();
      const value = await retryTransient(
        async () => {
          calls += 1;
          if (calls < 3) throw refused;
          return 'answered';
        },
        { timeout: 20_000, interval: 10 },
      );
      expect({ value, calls }).toEqual({ value: 'answered', calls: 3 });
    });

    test('throws any other error at once, and a timeout that names what it waited for', async () => {
      let calls = 0;
      const forbidden = new ApiException(403, 'forbidden', '', {});
      await expect(
        retryTransient(
          async () => {
            calls += 1;
            throw forbidden;
          },
          { timeout: 20_000, interval: 10 },
        ),
      ).rejects.toBe(forbidden);
      expect(calls).toBe(1);
      const refused = await refusedCall();
      await expect(
        retryTransient(() => Promise.reject(refused), { timeout: 300, interval: 10, description: 'the manifest' }),
      ).rejects.toThrow(WaitTimeoutError);
    });
  });
});
