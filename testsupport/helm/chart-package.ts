import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.ts';
import { cacheDir, ensurePrivateCacheDir } from './cache-dir.ts';
import { chartContentHash } from './chart-content-hash.ts';
import { HelmTestAdaptor } from './helm-test-adaptor.ts';

/** A chart packaged by `helm package`: what `ChartDeployment.install(file)` and a chart repository take. */
export interface PackagedChart {
  /** Absolute path of the .tgz (in the cache: do not modify it). */
  readonly file: string;
  readonly name: string;
  readonly version: string;
  /** The git revision it was packaged from, as given; undefined for the working copy. */
  readonly gitRevision: string | undefined;
}

export interface PackageOptions {
  /** Package the chart directory as it was at this git commit, tag or branch (e.g. "v1.2.0", "main", "HEAD~3"). */
  readonly gitRevision?: string;
  /** Overrides Chart.yaml's version (helm package --version), e.g. to tell two revisions apart. */
  readonly version?: string;
  readonly helm?: HelmTestAdaptor;
}

/**
 * `helm package` of a chart directory — the working copy, or the directory as it was at a git revision (read with
 * `git archive`, so the working copy is not touched). Cached by content under the cache's packages/ folder: the
 * same chart content and version is packaged once.
 */
export async function packageChart(chartDir: string, options: PackageOptions = {}): Promise<PackagedChart> {
  if (!existsSync(path.join(chartDir, 'Chart.yaml')) && options.gitRevision === undefined) {
    throw new ConfigError(`packageChart: ${JSON.stringify(chartDir)} is not a chart directory (no Chart.yaml)`, {
      hint: `relative paths start at ${process.cwd()}`,
    });
  }
  if (options.version !== undefined && !/^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?$/.test(options.version)) {
    throw new ConfigError(`packageChart: version ${JSON.stringify(options.version)} is not a SemVer version`, {
      hint: 'e.g. version: "0.1.0-previous"',
    });
  }
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'chart-testware-package-'));
  try {
    const source =
      options.gitRevision === undefined ? chartDir : await checkoutChart(chartDir, options.gitRevision, scratch);
    const chart = parseYaml(await readFile(path.join(source, 'Chart.yaml'), 'utf8')) as {
      name?: string;
      version?: string;
    };
    const name = String(chart.name ?? path.basename(chartDir));
    const version = options.version ?? String(chart.version ?? '0.0.0');
    const key = createHash('sha256')
      .update(`${await chartContentHash(source)}\0${version}`)
      .digest('hex')
      .slice(0, 32);
    const dir = cacheDir('packages', key);
    const file = path.join(dir, `${name}-${version}.tgz`);
    if (!existsSync(file)) await packageInto(source, dir, options);
    return { file, name, version, gitRevision: options.gitRevision };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The chart directory's files at `revision`, extracted into `scratch`/chart. */
async function checkoutChart(chartDir: string, revision: string, scratch: string): Promise<string> {
  if (revision.trim() === '' || revision.startsWith('-')) {
    throw new ConfigError(`packageChart: gitRevision ${JSON.stringify(revision)} is not a git revision`, {
      hint: 'give a commit, tag or branch, e.g. gitRevision: "HEAD~1"',
    });
  }
  const dir = path.resolve(chartDir);
  const git = (args: string[], cwd: string) => execa('git', args, { cwd, reject: false, encoding: 'buffer' });
  const prefix = await git(['rev-parse', '--show-toplevel'], existsSync(dir) ? dir : path.dirname(dir));
  if (prefix.failed) {
    throw new ConfigError(`packageChart: ${chartDir} is not inside a git repository, so gitRevision cannot be read`, {
      hint: 'package a chart directory of a git checkout, or drop gitRevision to package the working copy',
    });
  }
  const top = Buffer.from(prefix.stdout).toString('utf8').trim();
  const relative = path.relative(top, dir).split(path.sep).join('/');
  const tree = `${revision}:${relative}`;
  const archive = await git(['archive', '--format=tar', tree], top);
  if (archive.failed) {
    throw new ConfigError(
      `packageChart: git has no ${relative || '.'} at gitRevision ${JSON.stringify(revision)} (${Buffer.from(archive.stderr).toString('utf8').trim()})`,
      {
        hint: `list the revisions that changed it: git log --oneline -- ${relative || '.'} (a shallow clone may lack old ones)`,
      },
    );
  }
  const out = path.join(scratch, 'chart');
  await mkdir(out);
  await execa('tar', ['-x', '-C', out], { input: Buffer.from(archive.stdout) });
  if (!existsSync(path.join(out, 'Chart.yaml'))) {
    throw new ConfigError(`packageChart: ${relative} at gitRevision ${JSON.stringify(revision)} has no Chart.yaml`, {
      hint: `pick a revision where it was a chart: git log --oneline -- ${relative}/Chart.yaml`,
    });
  }
  return out;
}

/** helm package into a fresh folder of the cache, then one rename (a concurrent packager's result is kept). */
async function packageInto(source: string, dir: string, options: PackageOptions): Promise<void> {
  const helm = options.helm ?? (await HelmTestAdaptor.create());
  ensurePrivateCacheDir(cacheDir('packages'));
  const staged = `${dir}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const args = ['package', source, '--destination', staged];
    if (options.version !== undefined) args.push('--version', options.version);
    await helm.run(args, { namespaced: false, cluster: false, chart: source });
    await rename(staged, dir).catch(() => undefined); // someone else packaged the same content first
  } finally {
    await rm(staged, { recursive: true, force: true });
  }
}
