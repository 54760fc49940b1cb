// The echo server app itself, run as a real child process on loopback (what its image runs).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { afterEach, expect, test } from '@jest/globals';
import axios from 'axios';
import { formatEchoLine, toOneLine } from '../../testsupport/extras/echo-line.ts';
import { mark } from '../../testsupport/index.ts';

const serverPath = path.resolve(import.meta.dirname, '../../echo-server/server.ts');

interface Running {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
}

const started: ChildProcess[] = [];

async function startServer(env: Record<string, string> = {}): Promise<Running> {
  const child = spawn(process.execPath, [serverPath], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`echo server did not start; stderr: ${err}`)), 10_000);
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const match = /listening on [^:]+:(\d+)/.exec(err);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`echo server exited with ${code}; stderr: ${err}`));
    });
  });
  return { child, url: `http://127.0.0.1:${port}`, stdout: () => out, stderr: () => err };
}

async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

afterEach(() => {
  for (const child of started.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

mark('no_deploy').describe('echo server app', () => {
  test('POST /echo replies 200 with the body and writes it to stdout as one line', async () => {
    const server = await startServer();
    const body = 'first line\nsecond line\r\nthird';
    const response = await axios.post(`${server.url}/echo`, body, { headers: { 'content-type': 'text/plain' } });
    expect(response.status).toBe(200);
    expect(response.data).toBe(body);
    await waitFor(() => server.stdout().endsWith('\n'));
    expect(server.stdout()).toBe('first line\\nsecond line\\r\\nthird\n');
    expect(server.stdout().split('\n')).toHaveLength(2);
  });

  test('diagnostics go to stderr, never to stdout', async () => {
    const server = await startServer();
    await axios.get(`${server.url}/healthz`);
    expect(server.stdout()).toBe('');
    expect(server.stderr()).toContain('listening on');
  });

  test('GET /healthz answers ok; unknown paths 404; wrong methods 405', async () => {
    const server = await startServer();
    const ok = await axios.get(`${server.url}/healthz`);
    expect([ok.status, ok.data]).toEqual([200, 'ok\n']);
    const notFound = await axios.get(`${server.url}/nope`, { validateStatus: () => true });
    expect(notFound.status).toBe(404);
    const wrongMethod = await axios.get(`${server.url}/echo`, { validateStatus: () => true });
    expect(wrongMethod.status).toBe(405);
    expect(server.stdout()).toBe('');
  });

  test('a body over 1 MiB is refused with 413 and not printed', async () => {
    const server = await startServer();
    const response = await axios.post(`${server.url}/echo`, 'x'.repeat(1024 * 1024 + 1), {
      validateStatus: () => true,
      maxBodyLength: Number.POSITIVE_INFINITY,
    });
    expect(response.status).toBe(413);
    expect(server.stdout()).toBe('');
  });

  test('LOG_FORMAT=json writes one JSON object per echoed body', async () => {
    const server = await startServer({ LOG_FORMAT: 'json' });
    await axios.post(`${server.url}/echo`, 'a\nb', { headers: { 'content-type': 'text/plain' } });
    await waitFor(() => server.stdout().endsWith('\n'));
    const lines = server.stdout().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] ?? '') as { msg: string; level: string; time: string };
    expect(entry.msg).toBe('a\nb');
    expect(entry.level).toBe('info');
    expect(Number.isNaN(Date.parse(entry.time))).toBe(false);
  });

  test('SIGTERM makes it exit 0 promptly, even with an idle keep-alive connection open', async () => {
    const server = await startServer();
    const agent = new (await import('node:http')).Agent({ keepAlive: true });
    await axios.get(`${server.url}/healthz`, { httpAgent: agent });
    const started = Date.now();
    server.child.kill('SIGTERM');
    const [code, signal] = (await once(server.child, 'exit')) as [number | null, string | null];
    agent.destroy();
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    // Without closing the idle connection the server would leave through its 3 s fallback timer instead; that
    // takes >= 3 s from here on any machine, so this bound only fails on the path it tests.
    expect(Date.now() - started).toBeLessThan(2_900);
  });

  test('an invalid PORT is refused with a clear message and exit code 2', async () => {
    const child = spawn(process.execPath, [serverPath], { env: { PORT: 'eighty' }, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(child);
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(2);
    expect(err).toContain('PORT="eighty" is not a TCP port number');
  });

  test('toOneLine escapes every control character but tab; formatEchoLine adds nothing in plain mode', () => {
    expect(toOneLine('a\nb\rc\u0000d\te')).toBe('a\\nb\\rc\\u0000d\te');
    expect(formatEchoLine('plain', false)).toBe('plain');
    expect(formatEchoLine('x\ny', true, new Date(0))).toBe(
      '{"time":"1970-01-01T00:00:00.000Z","level":"info","msg":"x\\ny"}',
    );
  });
});
