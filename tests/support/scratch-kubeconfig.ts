import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';

export interface ScratchCluster {
  readonly server: string;
  readonly context?: string;
  readonly user?: string;
  readonly token?: string;
  /** PEM of a CA the kubeconfig trusts; without it and without `insecure`, the system CAs. */
  readonly caPem?: string;
  readonly insecure?: boolean;
}

/** Writes a one-context kubeconfig for `cluster` into a fresh temp folder and returns its path. */
export function writeKubeconfig(cluster: ScratchCluster, name = 'kubeconfig.yaml'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'scratch-kubeconfig-'));
  const context = cluster.context ?? 'scratch';
  const user = cluster.user ?? 'tester';
  const file = path.join(dir, name);
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: context,
          cluster: {
            server: cluster.server,
            ...(cluster.caPem ? { 'certificate-authority-data': Buffer.from(cluster.caPem).toString('base64') } : {}),
            ...(cluster.insecure ? { 'insecure-skip-tls-verify': true } : {}),
          },
        },
      ],
      users: [{ name: user, user: { token: cluster.token ?? 'scratch-token' } }],
      contexts: [{ name: context, context: { cluster: context, user } }],
      'current-context': context,
    }),
    { mode: 0o600 },
  );
  return file;
}

/** A loopback port nothing listens on: bound, then closed again. */
export async function closedLoopbackPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A self-signed certificate for 127.0.0.1, made by openssl for this test run. */
export async function selfSignedCertificate(): Promise<{ key: string; cert: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'scratch-cert-'));
  const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
  await execa('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

/**
 * A loopback stand-in for an API server that answers every request with an empty NamespaceList, and a kubeconfig
 * for it: enough for the runner's preflight, for runner tests whose fixtures select chart_deploy tests but never
 * touch a cluster (they run without one by design, and must not depend on the shared embedded cluster).
 */
export async function startApiStandIn(): Promise<{ kubeconfig: string; close: () => Promise<void> }> {
  const server = createHttpServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: {}, items: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    kubeconfig: writeKubeconfig({ server: `http://127.0.0.1:${port}`, insecure: true, context: 'stand-in' }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
