import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import { HelmTestAdaptor } from './helm-test-adaptor.ts';

export interface ChartRepositoryOptions {
  /** The packaged charts (.tgz) the repository serves. */
  readonly charts: readonly string[];
  /** The name `helm repo add` gives it (default "local"): charts are then "<name>/<chart>". */
  readonly name?: string;
}

/**
 * A real helm chart repository on loopback: an HTTP server on 127.0.0.1 serving an index.yaml that `helm repo
 * index` wrote and the .tgz files, added with `helm repo add` into a repository config of its own (the user's
 * ~/.config/helm is not touched). Install from it with its `helm` adaptor:
 * `ChartDeployment.install(repo.ref('tango-base', '0.1.0'), { helm: repo.helm })`.
 * Helm runs on this host, so loopback reaches it; pods in the cluster do not need it.
 */
export class LocalChartRepository {
  readonly name: string;
  readonly url: string;
  /** An adaptor (run's kube context and namespace) whose helm knows this repository. */
  readonly helm: HelmTestAdaptor;
  /** Paths requested so far ("/index.yaml", "/tango-base-0.1.0.tgz"), for tests that want proof of a download. */
  readonly requests: string[];
  readonly #server: Server;
  readonly #dir: string;

  private constructor(
    name: string,
    url: string,
    helm: HelmTestAdaptor,
    server: Server,
    dir: string,
    requests: string[],
  ) {
    this.name = name;
    this.url = url;
    this.helm = helm;
    this.#server = server;
    this.#dir = dir;
    this.requests = requests;
  }

  static async start(options: ChartRepositoryOptions): Promise<LocalChartRepository> {
    const name = options.name ?? 'local';
    if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name)) {
      throw new ConfigError(`LocalChartRepository: name ${JSON.stringify(name)} is not a helm repository name`, {
        hint: 'use letters, digits, ".", "_" and "-", e.g. name: "released"',
      });
    }
    const notCharts = options.charts.filter((chart) => !chart.endsWith('.tgz'));
    if (options.charts.length === 0 || notCharts.length > 0) {
      throw new ConfigError(
        `LocalChartRepository: charts must be packaged charts (.tgz)${notCharts.length ? `, not ${notCharts.join(', ')}` : ': none given'}`,
        { hint: 'package a chart directory first: (await packageChart(dir)).file' },
      );
    }
    const dir = await mkdtemp(path.join(os.tmpdir(), 'chart-testware-repo-'));
    const requests: string[] = [];
    const server = createServer((request, response) => {
      const file = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname).slice(1);
      requests.push(`/${file}`);
      if (request.method !== 'GET' || file.includes('/') || file.startsWith('.') || file === '') {
        response.writeHead(404).end();
        return;
      }
      readFile(path.join(dir, 'served', file)).then(
        (body) => {
          const type = file.endsWith('.yaml') ? 'application/x-yaml' : 'application/gzip';
          response.writeHead(200, { 'content-type': type, 'content-length': body.length }).end(body);
        },
        () => response.writeHead(404).end(),
      );
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const helm = await HelmTestAdaptor.create({
        env: {
          HELM_REPOSITORY_CONFIG: path.join(dir, 'repositories.yaml'),
          HELM_REPOSITORY_CACHE: path.join(dir, 'cache'),
          // helm 4 keeps downloaded charts by digest: its own, so every install really fetches from this server
          HELM_CONTENT_CACHE: path.join(dir, 'content'),
        },
      });
      const served = path.join(dir, 'served');
      await mkdir(served);
      for (const chart of options.charts) await copyFile(chart, path.join(served, path.basename(chart)));
      await helm.run(['repo', 'index', served, '--url', url], { namespaced: false, cluster: false });
      await helm.run(['repo', 'add', name, url], { namespaced: false, cluster: false });
      return new LocalChartRepository(name, url, helm, server, dir, requests);
    } catch (error) {
      server.close();
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** "<repo>/<chart>@<version>", the reference ChartDeployment.install takes (with this repository's helm). */
  ref(chart: string, version?: string): string {
    return `${this.name}/${chart}${version === undefined ? '' : `@${version}`}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    await rm(this.#dir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
