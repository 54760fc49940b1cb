import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { ChartTestwareError } from '../errors.ts';

/**
 * The test workspace an in-cluster shard needs, as one tar stream (see docs/in-cluster.md): the project (tests,
 * charts, config, lockfile, testsupport) without node_modules, reports and build output; the installed packages the
 * project and chart-testware depend on at run time (dependencies, not devDependencies; no source maps or type
 * declarations); and the helm binary. The image brings node, sh and tar.
 */
export interface Workspace {
  readonly projectRoot: string;
  readonly packageRoot: string;
  readonly reportsDir: string;
  readonly helmBinary: string;
  /** Where helm lands, relative to the workspace root. */
  readonly helmTarget: string;
}

const projectExcludes = ['node_modules', '.git', 'dist', 'coverage', '.cache', 'local/bin'];
const packageExcludes = ['*.map', '*.d.ts', '*.d.mts', '*.d.cts'];

/** The tar command's arguments (run in the project root) that write the workspace to stdout. */
export function workspaceTarArgs(workspace: Workspace): string[] {
  const { projectRoot } = workspace;
  const reports = path.relative(projectRoot, workspace.reportsDir);
  const excludes = [...projectExcludes];
  if (reports && !reports.startsWith('..')) excludes.push(reports);
  const packages = runtimePackageDirs(projectRoot, workspace.packageRoot);
  // the top-level entries, not ".": the pod's workspace folder is not the user's to change the mode of
  const entries = readdirSync(projectRoot).filter((name) => !excludes.includes(name));
  return [
    '-c',
    '-f',
    '-',
    // only the nested ones: a pattern also excludes what lies below a match (node_modules/* follows)
    '--anchored',
    ...excludes.filter((pattern) => pattern.includes('/')).map((pattern) => `--exclude=${pattern}`),
    '--no-anchored',
    ...entries,
    ...packageExcludes.map((pattern) => `--exclude=${pattern}`),
    '-C',
    projectRoot,
    ...packages,
    `--transform=s,^${path.basename(workspace.helmBinary)}$,${workspace.helmTarget},`,
    '-C',
    path.dirname(workspace.helmBinary),
    path.basename(workspace.helmBinary),
  ];
}

/** A tar process writing the workspace to its stdout. */
export function packWorkspace(workspace: Workspace): ChildProcessByStdio<null, Readable, Readable> {
  return spawn('tar', workspaceTarArgs(workspace), { cwd: workspace.projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * The folders (relative to the project root) of every installed package reachable from the project's and
 * chart-testware's `dependencies` and `optionalDependencies`, resolved the way Node does (nearest node_modules up).
 */
export function runtimePackageDirs(projectRoot: string, packageRoot: string): string[] {
  const found = new Set<string>();
  const visit = (dir: string) => {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const name of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
      const resolved = resolvePackageDir(name, dir);
      if (!resolved || found.has(resolved)) continue; // an optional one of another platform is simply not there
      found.add(resolved);
      visit(resolved);
    }
  };
  visit(projectRoot);
  if (path.resolve(packageRoot) !== path.resolve(projectRoot)) {
    found.add(path.resolve(packageRoot));
    visit(packageRoot);
  }
  return [...found].map((dir) => {
    const relative = path.relative(projectRoot, dir);
    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      throw new ChartTestwareError(`package ${dir} is outside the project ${projectRoot}`, {
        hint: '--in-cluster ships the project folder: install chart-testware and its dependencies into its node_modules',
      });
    }
    return relative;
  });
}

function resolvePackageDir(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === path.dirname(dir)) return undefined;
  }
}
