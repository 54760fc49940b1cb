import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { projectRoot } from './runner-process.ts';

/**
 * Debian's chromium, headless, driven over the DevTools protocol (Node's own WebSocket; no puppeteer). The binary
 * comes from the project's script scripts/install-chromium.sh (apt; does nothing when chromium is there).
 */
export class HeadlessChromium {
  readonly #process: ResultPromise;
  readonly #socket: WebSocket;
  readonly #profile: string;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  readonly #listeners = new Set<(method: string, params: Record<string, unknown>) => void>();
  #nextId = 1;
  /** URLs the page asked for that are not file:, data: or about: (a self-contained report asks for none). */
  readonly networkRequests: string[] = [];

  private constructor(process: ResultPromise, socket: WebSocket, profile: string) {
    this.#process = process;
    this.#socket = socket;
    this.#profile = profile;
    socket.addEventListener('message', (message) => {
      const data = JSON.parse(String(message.data)) as {
        id?: number;
        result?: unknown;
        error?: { message: string };
        method?: string;
        params?: Record<string, unknown>;
      };
      if (data.id !== undefined) {
        const pending = this.#pending.get(data.id);
        this.#pending.delete(data.id);
        if (data.error) pending?.reject(new Error(`DevTools: ${data.error.message}`));
        else pending?.resolve(data.result);
      } else if (data.method) {
        for (const listener of this.#listeners) listener(data.method, data.params ?? {});
      }
    });
  }

  /** Installs chromium with the project's script if needed, starts it and attaches to its first page. */
  static async launch(): Promise<HeadlessChromium> {
    await execa('bash', [path.join(projectRoot, 'scripts', 'install-chromium.sh')], { cwd: projectRoot });
    const profile = mkdtempSync(path.join(os.tmpdir(), 'ct-chromium-'));
    const child = execa(
      'chromium',
      [
        '--headless',
        '--no-sandbox', // runs as root in CI containers, where chromium's sandbox cannot start
        '--disable-gpu',
        '--no-first-run',
        '--remote-debugging-port=0',
        '--remote-debugging-address=127.0.0.1',
        `--user-data-dir=${profile}`,
        '--window-size=1400,1000',
        'about:blank',
      ],
      { reject: false, stdin: 'ignore', stdout: 'ignore', buffer: false },
    );
    const browserUrl = await new Promise<string>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(
        () => reject(new Error(`chromium did not start its DevTools endpoint: ${seen}`)),
        60_000,
      );
      child.stderr?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        const match = /DevTools listening on (ws:\/\/\S+)/.exec(seen);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.then((result) => {
        clearTimeout(timer);
        reject(new Error(`chromium exited (${result.exitCode}): ${seen}`));
      });
    });
    const port = new URL(browserUrl).port;
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
      type: string;
      webSocketDebuggerUrl: string;
    }[];
    const page = targets.find((target) => target.type === 'page');
    if (!page) throw new Error('chromium has no page to attach to');
    const socket = new WebSocket(page.webSocketDebuggerUrl);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true });
      socket.addEventListener('error', () => reject(new Error('cannot connect to chromium')), { once: true });
    });
    const browser = new HeadlessChromium(child, socket, profile);
    browser.#listeners.add((method, params) => {
      if (method !== 'Network.requestWillBeSent') return;
      const url = String((params.request as { url?: string } | undefined)?.url ?? '');
      if (!/^(file|data|about|blob):/.test(url)) browser.networkRequests.push(url);
    });
    await browser.send('Page.enable');
    await browser.send('Network.enable');
    return browser;
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Opens a file and waits for its load event. */
  async open(file: string): Promise<void> {
    const loaded = new Promise<void>((resolve) => {
      const listener = (method: string) => {
        if (method !== 'Page.loadEventFired') return;
        this.#listeners.delete(listener);
        resolve();
      };
      this.#listeners.add(listener);
    });
    await this.send('Page.navigate', { url: `file://${path.resolve(file)}` });
    await loaded;
  }

  /** Evaluates an expression in the page and returns its (JSON) value; a thrown error rejects. */
  async evaluate<T>(expression: string): Promise<T> {
    const result = (await this.send('Runtime.evaluate', {
      expression,
      returnByValue: true,
      awaitPromise: true,
    })) as { result: { value?: unknown }; exceptionDetails?: { exception?: { description?: string }; text: string } };
    if (result.exceptionDetails) {
      throw new Error(
        `in the page: ${result.exceptionDetails.exception?.description ?? result.exceptionDetails.text} (${expression})`,
      );
    }
    return result.result.value as T;
  }

  /** A PNG of the whole page. */
  async screenshot(): Promise<Buffer> {
    const { data } = (await this.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true })) as {
      data: string;
    };
    return Buffer.from(data, 'base64');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#socket.close();
    this.#process.kill('SIGTERM');
    await this.#process;
    rmSync(this.#profile, { recursive: true, force: true });
  }
}
