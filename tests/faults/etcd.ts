// The embedded cluster's etcd (scripts/cluster.sh: plain HTTP on loopback), through its v3 JSON gateway.
import { ConfigError } from '../../testsupport/errors.ts';

export const etcdUrl = process.env.CT_ETCD_URL ?? 'http://127.0.0.1:2379';

async function call(method: string, body: unknown): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetch(`${etcdUrl}/v3/${method}`, {
      method: 'POST',
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new ConfigError(`cannot reach etcd at ${etcdUrl} (${(error as Error).message})`, {
      hint: "this test compacts the embedded cluster's etcd: run it on the embedded cluster, or set CT_ETCD_URL",
    });
  }
  const text = await response.text();
  if (!response.ok) throw new Error(`etcd ${method} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** etcd's current revision (every write to the cluster's state raises it). */
export async function etcdRevision(): Promise<number> {
  const answer = await call('kv/range', { key: Buffer.from('/registry/namespaces/default').toString('base64') });
  return Number((answer.header as { revision: string }).revision);
}

/**
 * Compacts etcd's history up to its current revision, as the API server does on its own every 5 minutes (to the
 * revision of 5 minutes before): a watch asked to start before it is answered 410 Gone. Returns the revision.
 */
export async function compactEtcd(): Promise<number> {
  const revision = await etcdRevision();
  await call('kv/compaction', { revision: String(revision), physical: true });
  return revision;
}
