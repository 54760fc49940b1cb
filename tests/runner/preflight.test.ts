// The runner's preflight (testsupport/kube/cluster-check.ts): one bounded request before Jest starts a chart_deploy
// selection, that names the server, the context and the real cause. The servers here are small loopback stand-ins
// for an API server (a closed port, a TLS server with a certificate nobody trusts, one that answers 401/403, one
// that never answers): the causes they provoke cannot be set up on the shared embedded cluster without breaking it.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import os from 'node:os';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { resolveOptions } from '../../testsupport/config/options.ts';
import { ConfigError, mark } from '../../testsupport/index.ts';
import { checkCluster } from '../../testsupport/kube/cluster-check.ts';
import { ClusterUnreachableError } from '../../testsupport/kube/cluster-unreachable-error.ts';
import { projectRoot } from '../support/runner-process.ts';
import { closedLoopbackPort, selfSignedCertificate, writeKubeconfig } from '../support/scratch-kubeconfig.ts';
import { runFixtures, runnerTestTimeout } from './run-fixtures.ts';

const optionsFor = (kubeconfig: string) =>
  resolveOptions({}, { KUBECONFIG: kubeconfig, HOME: os.tmpdir() }, projectRoot);

async function failure(kubeconfig: string, timeoutMs = 5_000): Promise<Error> {
  const error = await checkCluster(optionsFor(kubeconfig), timeoutMs).then(
    () => undefined,
    (thrown: unknown) => thrown as Error,
  );
  if (!error) throw new Error(`checkCluster passed for ${kubeconfig}`);
  return error;
}

let tls: { key: string; cert: string };
let apiStandIn: HttpsServer;
let apiPort = 0;
let silent: TcpServer;
let silentPort = 0;
const sockets: Socket[] = [];

beforeAll(async () => {
  tls = await selfSignedCertificate();
  // answers like an API server that refuses the token (401) or the identity it maps to (403)
  apiStandIn = createHttpsServer(tls, (request, response) => {
    const forbidden = request.headers.authorization === 'Bearer forbidden-token';
    response.writeHead(forbidden ? 403 : 401, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        message: forbidden
          ? 'namespaces is forbidden: User "system:serviceaccount:ci:reader" cannot list resource "namespaces" in API group "" at the cluster scope'
          : 'Unauthorized',
        reason: forbidden ? 'Forbidden' : 'Unauthorized',
        code: forbidden ? 403 : 401,
      }),
    );
  });
  await new Promise<void>((resolve) => apiStandIn.listen(0, '127.0.0.1', resolve));
  apiPort = (apiStandIn.address() as { port: number }).port;
  // accepts connections and never says a word
  silent = createTcpServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as { port: number }).port;
}, runnerTestTimeout);

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  apiStandIn?.closeAllConnections();
  await Promise.all([
    new Promise((resolve) => apiStandIn?.close(resolve)),
    new Promise((resolve) => silent?.close(resolve)),
  ]);
});

mark('no_deploy').describe('preflight: the cluster check names the server, the context and the cause', () => {
  test('a closed loopback port: connection refused, with the address', async () => {
    const port = await closedLoopbackPort();
    const error = await failure(writeKubeconfig({ server: `https://127.0.0.1:${port}`, insecure: true }));
    expect(error).toBeInstanceOf(ClusterUnreachableError);
    expect(error.message).toContain(`cannot use the cluster at https://127.0.0.1:${port} (kube context "scratch")`);
    expect(error.message).toContain(`connection refused at 127.0.0.1:${port} (ECONNREFUSED)`);
    expect(error.message).not.toContain('fetch failed');
  });

  test('port 1: the bad port that fetch refuses, not "fetch failed"', async () => {
    const error = await failure(writeKubeconfig({ server: 'https://127.0.0.1:1', insecure: true }));
    expect(error.message).toContain('cannot use the cluster at https://127.0.0.1:1');
    expect(error.message).toContain('bad port');
    expect(error.message).not.toContain('fetch failed');
  });

  test('a TLS server whose self-signed certificate the kubeconfig does not trust: a TLS error', async () => {
    const error = await failure(writeKubeconfig({ server: `https://127.0.0.1:${apiPort}` }));
    expect(error.message).toContain(`cannot use the cluster at https://127.0.0.1:${apiPort}`);
    expect(error.message).toMatch(/TLS: .*self[- ]signed/i);
    expect(error.message).toContain('certificate-authority-data');
  });

  test('401: the server does not accept the user of the kubeconfig, named', async () => {
    const error = await failure(
      writeKubeconfig({ server: `https://127.0.0.1:${apiPort}`, caPem: tls.cert, user: 'ci-deployer' }),
    );
    expect(error.message).toContain('HTTP 401 Unauthorized');
    expect(error.message).toContain('user "ci-deployer"');
  });

  test('403: the identity the server saw is in the message', async () => {
    const error = await failure(
      writeKubeconfig({ server: `https://127.0.0.1:${apiPort}`, caPem: tls.cert, token: 'forbidden-token' }),
    );
    expect(error.message).toContain('HTTP 403 Forbidden');
    expect(error.message).toContain('User "system:serviceaccount:ci:reader" cannot list resource "namespaces"');
  });

  test('a server that accepts the connection and never answers: the check gives up at its bound', async () => {
    const error = await failure(writeKubeconfig({ server: `https://127.0.0.1:${silentPort}`, insecure: true }), 1_000);
    expect(error.message).toContain(`cannot use the cluster at https://127.0.0.1:${silentPort}`);
    expect(error.message).toContain('no answer within 1 s');
  });

  test.each(['127.0.0.1:6443', 'https://127.0.0.1:99999', 'ftp://127.0.0.1:21'])(
    'a server "%s" that is no https URL is a ConfigError naming it, before any request',
    async (server) => {
      const error = await failure(writeKubeconfig({ server, insecure: true }));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toContain(`the server "${server}" of kube context "scratch"`);
      expect(error.message).toContain('is not an https:// URL');
    },
  );

  test('a kubeconfig that gives no cluster says why, in its own terms', async () => {
    const file = (name: string, yaml: string) => {
      const path = `${mkdtempSync(`${os.tmpdir()}/ct-kc-`)}/${name}.yaml`;
      writeFileSync(path, yaml);
      return path;
    };
    const cluster = '[{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]';
    const user = '[{name: u, user: {token: t}}]';
    await expect(checkCluster(optionsFor(file('text', 'just: text\n')))).rejects.toThrow(
      /^the kubeconfig .*text\.yaml defines no clusters and no contexts: is it a kubeconfig\?/,
    );
    await expect(
      checkCluster(
        optionsFor(
          file(
            'nocurrent',
            `clusters: ${cluster}\nusers: ${user}\ncontexts: [{name: ctx, context: {cluster: c, user: u}}]\n`,
          ),
        ),
      ),
    ).rejects.toThrow(/sets no current-context\n {2}hint: pass --kube-context NAME \(its contexts: ctx\)/);
    await expect(
      checkCluster(
        optionsFor(
          file(
            'badctx',
            `clusters: ${cluster}\nusers: ${user}\ncontexts: [{name: ctx, context: {cluster: gone, user: u}}]\ncurrent-context: ctx\n`,
          ),
        ),
      ),
    ).rejects.toThrow(/context "ctx" names cluster "gone", which it does not define\n {2}hint: its clusters: c/);
  });

  test('a file the kubeconfig names that is missing, and a credential plugin not on PATH: named, not "is the server up"', async () => {
    const kubeconfig = writeKubeconfig({ server: 'https://127.0.0.1:1', insecure: true });
    // nothing listens there: the file and the plugin must be what fails, before any connection
    const closed = await closedLoopbackPort();
    const withCa = kubeconfig.replace(/\.yaml$/, '-ca.yaml');
    writeFileSync(
      withCa,
      readFileSync(kubeconfig, 'utf8')
        .replace('insecure-skip-tls-verify: true', 'certificate-authority: /no/such/ca.crt')
        .replace(/server: .*/, `server: https://127.0.0.1:${closed}`),
    );
    const missingFile = await failure(withCa);
    expect(missingFile.message).toContain('the kubeconfig names a file that cannot be read: /no/such/ca.crt (ENOENT)');
    expect(missingFile.message).not.toContain('is the server up');
    const withPlugin = kubeconfig.replace(/\.yaml$/, '-exec.yaml');
    writeFileSync(
      withPlugin,
      readFileSync(kubeconfig, 'utf8')
        .replace(
          /token: .*/,
          'exec: { apiVersion: client.authentication.k8s.io/v1beta1, command: no-such-credential-plugin }',
        )
        .replace(/server: .*/, `server: https://127.0.0.1:${closed}`),
    );
    const missingPlugin = await failure(withPlugin);
    expect(missingPlugin.message).toContain('credential plugin "no-such-credential-plugin"');
    expect(missingPlugin.message).toContain('not found (ENOENT)');
  });

  test('an unknown context is a ConfigError that lists the known ones, before any request', async () => {
    const kubeconfig = writeKubeconfig({ server: 'https://127.0.0.1:1', insecure: true });
    const options = resolveOptions({ kubeContext: 'prod' }, { KUBECONFIG: kubeconfig, HOME: os.tmpdir() }, projectRoot);
    await expect(checkCluster(options)).rejects.toThrow(
      /--kube-context "prod" is not a context .*\n.*known contexts: scratch/,
    );
  });
});

mark('no_deploy').describe('the runner stops a chart_deploy run at an unreachable cluster', () => {
  test(
    'one message naming the server, before Jest starts (no junit, no per-file "fetch failed")',
    async () => {
      const port = await closedLoopbackPort();
      const kubeconfig = writeKubeconfig({ server: `https://127.0.0.1:${port}`, insecure: true });
      const started = performance.now();
      const run = await runFixtures(['--marker', 'chart_deploy'], 'markers', { KUBECONFIG: kubeconfig });
      const seconds = (performance.now() - started) / 1000;
      console.log(`runner against a refused server: exit ${run.exitCode} after ${seconds.toFixed(1)} s`);
      expect(run.exitCode).toBe(1);
      expect(run.output).toContain(`chart-testware: cannot use the cluster at https://127.0.0.1:${port}`);
      expect(run.output.match(/cannot use the cluster/g)).toHaveLength(1);
      expect(run.output).not.toContain('fetch failed');
      expect(run.junit).toBe('');
    },
    runnerTestTimeout,
  );

  test(
    'a run that selects no chart_deploy test does not check the cluster',
    async () => {
      const kubeconfig = writeKubeconfig({ server: 'https://127.0.0.1:1', insecure: true });
      const run = await runFixtures(['--marker', 'no_deploy'], 'markers', { KUBECONFIG: kubeconfig });
      expect(run.exitCode).toBe(0);
      expect(run.output).not.toContain('cannot use the cluster');
    },
    runnerTestTimeout,
  );
});
