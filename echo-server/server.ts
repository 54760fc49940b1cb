// The echo server: POST /echo writes the request body to stdout as one line and replies 200 with the body;
// GET /healthz answers 200 "ok". Run as `node server.ts` (PORT, default 8080; LOG_FORMAT=json for JSON lines).
// No dependencies beyond Node itself, so its image needs nothing but node and this file.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { formatEchoLine } from '../testsupport/extras/echo-line.ts';

export const maxBodyBytes = 1024 * 1024;

export interface EchoServerConfig {
  port: number;
  host: string;
  json: boolean;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): EchoServerConfig {
  const raw = env.PORT ?? '8080';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT="${raw}" is not a TCP port number (0-65535)`);
  }
  return { port, host: env.HOST ?? '0.0.0.0', json: env.LOG_FORMAT === 'json' };
}

function diagnostic(config: EchoServerConfig, message: string): void {
  // Diagnostics go to stderr: stdout carries only echoed bodies, so tests can count them.
  const line = config.json
    ? JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: message, source: 'echo-server' })
    : `echo-server: ${message}`;
  process.stderr.write(`${line}\n`);
}

function reply(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function handle(config: EchoServerConfig, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/healthz') {
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'use GET\n');
    return reply(res, 200, 'ok\n');
  }
  if (path === '/echo') {
    if (req.method !== 'POST') return reply(res, 405, 'use POST\n');
    const body = await readBody(req);
    if (body === null) return reply(res, 413, `body larger than ${maxBodyBytes} bytes\n`);
    const text = body.toString('utf8');
    process.stdout.write(`${formatEchoLine(text, config.json)}\n`);
    return reply(res, 200, text, req.headers['content-type'] ?? 'text/plain; charset=utf-8');
  }
  return reply(res, 404, 'not found: try POST /echo or GET /healthz\n');
}

export function startEchoServer(config: EchoServerConfig): Promise<Server> {
  const server = createServer((req, res) => {
    handle(config, req, res).catch((error: unknown) => {
      diagnostic(config, `request failed: ${(error as Error).message}`);
      if (!res.headersSent) reply(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  // Idle keep-alive connections must not hold up a SIGTERM exit for long.
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

async function main(): Promise<void> {
  let config: EchoServerConfig;
  try {
    config = configFromEnv();
  } catch (error) {
    process.stderr.write(`echo-server: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const server = await startEchoServer(config);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  diagnostic(config, `listening on ${config.host}:${port}`);
  const stop = (signal: string) => {
    diagnostic(config, `${signal}: closing`);
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    // In-flight requests get a moment; then leave anyway, well inside the pod's grace period.
    setTimeout(() => process.exit(0), 3_000).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    process.stderr.write(`echo-server: cannot start: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
