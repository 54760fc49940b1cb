import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { cacheDir } from './cache-dir.ts';
import { chartContentHash } from './chart-content-hash.ts';
import { ChartRenderError } from './chart-errors.ts';
import { HelmCommandError } from './helm-command-error.ts';
import type { HelmTestAdaptor } from './helm-test-adaptor.ts';

const building = new Map<string, Promise<string>>();

/**
 * A copy of the chart with its dependencies built (`helm dependency build`), in the cache: once per chart content
 * and helm version, and the chart directory itself is never written to. Relative `file://` repositories are made
 * absolute in the copy (they are relative to the original directory), and then Chart.lock is left out because its
 * digest covers those paths.
 */
export async function buildDependencies(directory: string, shownAs: string, helm: HelmTestAdaptor): Promise<string> {
  const key = `${(await chartContentHash(directory)).slice(0, 32)}-helm${helm.binary.version}`;
  const target = cacheDir('dependencies', key, path.basename(directory));
  if (existsSync(path.join(target, 'Chart.yaml'))) return target;
  const running = building.get(target);
  if (running) return running;
  const build = (async () => {
    const staging = `${target}.${process.pid}.tmp`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(path.dirname(staging), { recursive: true });
    await cp(directory, staging, { recursive: true, filter: (source) => !/[/\\]\.git$/.test(source) });
    if (await absoluteFileRepositories(staging, directory)) await rm(path.join(staging, 'Chart.lock'), { force: true });
    try {
      await helm.dependencyBuild(staging, { timeout: 300_000 });
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      if (error instanceof HelmCommandError && error.exitCode !== undefined) {
        throw new ChartRenderError(shownAs, `helm dependency build failed: ${error.helmMessage}`, { cause: error });
      }
      throw error;
    }
    await rename(staging, target).catch(async (error: unknown) => {
      // another process built the same copy first
      await rm(staging, { recursive: true, force: true });
      if (!existsSync(path.join(target, 'Chart.yaml'))) throw error;
    });
    return target;
  })().finally(() => building.delete(target));
  building.set(target, build);
  return build;
}

async function absoluteFileRepositories(copy: string, original: string): Promise<boolean> {
  const file = path.join(copy, 'Chart.yaml');
  const doc = parseDocument(await readFile(file, 'utf8'), { version: '1.1', uniqueKeys: false });
  const dependencies = doc.get('dependencies') as
    | { items?: { get(key: string): unknown; set(key: string, value: unknown): void }[] }
    | undefined;
  let changed = false;
  for (const dependency of dependencies?.items ?? []) {
    const repository = dependency.get('repository');
    if (typeof repository === 'string' && repository.startsWith('file://') && !repository.startsWith('file:///')) {
      dependency.set('repository', `file://${path.resolve(original, repository.slice('file://'.length))}`);
      changed = true;
    }
  }
  if (changed) await writeFile(file, doc.toString());
  return changed;
}
