/**
 * The real cause of a failed connection: fetch (undici) says only "fetch failed" and keeps the reason (a system
 * error code, a TLS verdict, "bad port") in `error.cause`, sometimes a level or two down.
 */
export function connectionCause(error: unknown): { text: string; hint: string } {
  const chain: Array<{
    code?: unknown;
    message?: unknown;
    hostname?: unknown;
    address?: unknown;
    port?: unknown;
    path?: unknown;
    syscall?: unknown;
  }> = [];
  for (let current: unknown = error; current && typeof current === 'object' && chain.length < 6; ) {
    chain.push(current as (typeof chain)[number]);
    current = (current as { cause?: unknown }).cause;
  }
  const coded = chain.find((link) => typeof link.code === 'string');
  const code = coded?.code as string | undefined;
  const deepest = chain.at(-1);
  const message = String(deepest?.message ?? error);
  if (code === 'ENOENT' && String(coded?.syscall ?? '').startsWith('spawn')) {
    const command = String(coded?.path ?? String(coded?.syscall).slice('spawn '.length));
    return {
      text: `the kubeconfig's credential plugin "${command}" (users[].user.exec.command) cannot be run: not found (ENOENT)`,
      hint: 'install the plugin where PATH finds it, or fix the command in the kubeconfig',
    };
  }
  if ((code === 'ENOENT' || code === 'EACCES') && typeof coded?.path === 'string') {
    return {
      text: `the kubeconfig names a file that cannot be read: ${coded.path} (${code})`,
      hint: 'fix the path in the kubeconfig (certificate-authority, client-certificate, client-key, tokenFile), or embed the contents (...-data)',
    };
  }
  if (code === 'ECONNREFUSED') {
    const where = coded?.address ? ` at ${coded.address}:${coded.port}` : '';
    return {
      text: `connection refused${where} (ECONNREFUSED)`,
      hint: 'nothing listens there: is the cluster up (`npm run cluster:status` for the embedded one), and is the port right?',
    };
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return {
      text: `DNS cannot resolve host ${String(coded?.hostname ?? '')} (${code})`,
      hint: 'check the server host name in the kubeconfig',
    };
  }
  if (chain.some((link) => link.message === 'bad port')) {
    return {
      text: 'bad port: fetch refuses to connect to that port (one of the ports browsers and Node block, like 1 or 22)',
      hint: 'check the server URL in the kubeconfig: an API server listens on a port like 6443 or 443',
    };
  }
  if (code && (/CERT|SSL|TLS|SELF_SIGNED|VERIFY|EPROTO/.test(code) || /certificate|SSL|TLS/i.test(message))) {
    return {
      text: `TLS: ${message} (${code})`,
      hint: 'the server certificate is not trusted by the kubeconfig (certificate-authority-data), or does not match the server name',
    };
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') {
    return { text: `connection timed out (${code})`, hint: 'is the server up and reachable from here?' };
  }
  return { text: code ? `${message} (${code})` : message, hint: 'is the server up, and is this its address?' };
}
