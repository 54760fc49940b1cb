import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ChartTestwareError } from '../errors.ts';
import { giveUp, waitUntil } from '../kube/wait-until.ts';

/** The loopback node could not be assembled, did not start, or did not stop. */
export class ElasticsearchNodeError extends ChartTestwareError {}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const distScript = path.join(repoRoot, 'scripts', 'elasticsearch-dist.sh');

export interface LocalElasticsearchOptions {
  /** JVM flags (replaces the default 256-512 MiB heap, C1 only). */
  readonly javaOpts?: string;
  /** How long to wait for the HTTP port and a green cluster; default 120 s. */
  readonly startTimeout?: number;
}

/**
 * One Elasticsearch node on loopback, from the same jars as the `elasticsearch` image
 * (scripts/elasticsearch-dist.sh): `http.port=0` and a ports file, so parallel nodes never clash; data, logs and
 * tmp in a temporary folder that stop() deletes. stop() ends the JVM by its PID (SIGTERM, then SIGKILL); the node
 * is also killed if this process exits first.
 * `const node = await LocalElasticsearch.start(); ... await node.stop();`
 */
export class LocalElasticsearch implements AsyncDisposable {
  readonly url: string;
  readonly pid: number;
  /** Milliseconds from spawn to a green cluster. */
  readonly startMillis: number;
  readonly #child: ChildProcess;
  readonly #home: string;
  readonly #exited: Promise<void>;
  readonly #output: string[];
  readonly #killOnExit: () => void;

  private constructor(
    child: ChildProcess,
    home: string,
    url: string,
    startMillis: number,
    exited: Promise<void>,
    output: string[],
    killOnExit: () => void,
  ) {
    this.#child = child;
    this.pid = child.pid as number;
    this.#home = home;
    this.url = url;
    this.startMillis = startMillis;
    this.#exited = exited;
    this.#output = output;
    this.#killOnExit = killOnExit;
  }

  /** The node folder (built once per definition and cached; fetches jars with Maven the first time). */
  static async dist(): Promise<string> {
    try {
      const { stdout } = await promisify(execFile)('bash', [distScript], { maxBuffer: 16 << 20 });
      const dir = stdout.trim().split('\n').pop() ?? '';
      if (!dir) throw new Error('it printed no folder');
      return dir;
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? '';
      throw new ElasticsearchNodeError(
        `bash ${path.relative(repoRoot, distScript)} failed: ${(error as Error).message.split('\n')[0]}\n${stderr.slice(-2000)}`,
        { hint: 'it needs mvn, javac and Maven Central; run it by hand to see the whole output', cause: error },
      );
    }
  }

  static async start(options: LocalElasticsearchOptions = {}): Promise<LocalElasticsearch> {
    const dist = await LocalElasticsearch.dist();
    const home = await mkdtemp(path.join(os.tmpdir(), 'ct-es-'));
    const started = Date.now();
    const output: string[] = [];
    const child = spawn(
      path.join(dist, 'bin', 'elasticsearch'),
      [
        `-Epath.data=${home}/data`,
        `-Epath.logs=${home}/logs`,
        '-Ehttp.port=0',
        '-Etransport.port=0',
        '-Enode.portsfile=true',
        '-Enode.name=loopback',
      ],
      {
        env: {
          ...process.env,
          ES_TMPDIR: os.tmpdir(),
          ...(options.javaOpts ? { ES_JAVA_OPTS: options.javaOpts } : {}),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const keep = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.length > 200) output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let exitCode: number | null | undefined;
    const exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        exitCode = code ?? (signal ? -1 : null);
        resolve();
      });
      child.once('error', (error) => {
        output.push(String(error));
        exitCode = -1;
        resolve();
      });
    });
    const killOnExit = () => {
      if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
    };
    process.once('exit', killOnExit);
    const timeout = options.startTimeout ?? 120_000;
    try {
      const url = await waitUntil(
        async () => {
          if (exitCode !== undefined) {
            giveUp(new ElasticsearchNodeError(`the loopback Elasticsearch exited (${exitCode}) while starting`));
          }
          const ports = await readFile(path.join(home, 'logs', 'http.ports'), 'utf8').catch(() => '');
          const address = ports.trim().split('\n')[0];
          if (!address) return undefined;
          const base = `http://${address}`;
          const health = await fetch(`${base}/_cluster/health?wait_for_status=green&timeout=1s`).catch(() => undefined);
          return health?.ok ? base : undefined;
        },
        { timeout, interval: 200, description: 'the loopback Elasticsearch to answer green' },
      );
      return new LocalElasticsearch(child, home, url, Date.now() - started, exited, output, killOnExit);
    } catch (error) {
      const tail = output.join('').split('\n').slice(-30).join('\n');
      await stopChild(child, exited, killOnExit);
      await rm(home, { recursive: true, force: true });
      throw new ElasticsearchNodeError(
        `the loopback Elasticsearch from ${dist} did not come up within ${timeout} ms: ${(error as Error).message}\n${tail}`,
        { hint: 'a busy machine may need a longer startTimeout; the lines above are its console', cause: error },
      );
    }
  }

  /** Its console output so far (the last lines). */
  output(): string {
    return this.#output.join('');
  }

  async stop(): Promise<void> {
    await stopChild(this.#child, this.#exited, this.#killOnExit);
    await rm(this.#home, { recursive: true, force: true });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

async function stopChild(child: ChildProcess, exited: Promise<void>, killOnExit: () => void): Promise<void> {
  process.removeListener('exit', killOnExit);
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  process.kill(child.pid, 'SIGTERM');
  const timer = new Promise<'timeout'>((resolve) => setTimeout(resolve, 15_000, 'timeout').unref());
  if ((await Promise.race([exited, timer])) === 'timeout') {
    process.kill(child.pid, 'SIGKILL');
    await exited;
  }
}
