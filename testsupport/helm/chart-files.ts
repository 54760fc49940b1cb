import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ChartFileError, ChartNotFoundError } from './chart-errors.ts';
import { readTarGz } from './tar-gz.ts';

// What a chart is made of, read without helm: Chart.yaml, its values files, templates and subcharts (folders and
// packaged .tgz archives under charts/, under their aliases). HelmChart and the policy checks both read charts here.

export type YamlMap = Record<string, unknown>;

/** Chart.yaml, as helm documents it. */
export interface ChartMetadata {
  readonly apiVersion: string;
  readonly name: string;
  readonly version: string;
  readonly appVersion?: string;
  readonly description?: string;
  readonly type?: string;
  readonly kubeVersion?: string;
  readonly keywords?: readonly string[];
  readonly home?: string;
  readonly icon?: string;
  readonly sources?: readonly string[];
  readonly maintainers?: readonly { name: string; email?: string; url?: string }[];
  readonly dependencies?: readonly {
    name: string;
    version?: string;
    repository?: string;
    alias?: string;
    condition?: string;
  }[];
  readonly annotations?: Readonly<Record<string, string>>;
  readonly [field: string]: unknown;
}

/** The files of one chart, from its folder or its packaged archive, by path inside the chart ("templates/x.yaml"). */
export interface ChartFiles {
  read(relative: string): Buffer | undefined;
  /** The entries of a folder of the chart; [] when there is no such folder. */
  entries(relative: string): { name: string; directory: boolean }[];
}

/** A chart under another's charts/: a folder or a .tgz that holds a Chart.yaml. */
export interface PackedSubchart {
  /** Its path inside the parent chart, e.g. "charts/sub" or "charts/sub-0.1.0.tgz". */
  readonly path: string;
  readonly files: ChartFiles;
}

/** A chart folder's files (symbolic links followed, as helm follows them). */
export function chartFolderFiles(root: string): ChartFiles {
  const isDirectory = (file: string) => existsSync(file) && statSync(file).isDirectory();
  return {
    read(relative) {
      const file = path.join(root, relative);
      return existsSync(file) && statSync(file).isFile() ? readFileSync(file) : undefined;
    },
    entries(relative) {
      const dir = path.join(root, relative);
      if (!isDirectory(dir)) return [];
      return readdirSync(dir).map((name) => ({ name, directory: isDirectory(path.join(dir, name)) }));
    },
  };
}

/** A packaged chart's files (the archive's one top folder, named after the chart, taken off); undefined for a bad .tgz. */
export function chartArchiveFiles(data: Buffer): ChartFiles | undefined {
  let files: Map<string, Buffer>;
  try {
    files = readTarGz(data);
  } catch {
    return undefined;
  }
  const stripped = new Map<string, Buffer>();
  for (const [name, content] of files) stripped.set(name.split('/').slice(1).join('/'), content);
  return {
    read: (file) => stripped.get(file),
    entries(dir) {
      const found = new Map<string, boolean>();
      for (const name of stripped.keys()) {
        if (!name.startsWith(`${dir}/`)) continue;
        const [first, ...rest] = name.slice(dir.length + 1).split('/');
        if (first) found.set(first, (found.get(first) ?? false) || rest.length > 0);
      }
      return [...found].map(([name, directory]) => ({ name, directory }));
    },
  };
}

/** YAML as helm reads chart files: YAML 1.1, a key written twice accepted (the last one wins). Throws on bad YAML. */
export function parseChartYaml(text: string): unknown {
  return parseYaml(text, { version: '1.1', uniqueKeys: false, merge: true }) as unknown;
}

/** A map file of the chart (Chart.yaml, values.yaml) without throwing: undefined map and no error when absent. */
export function readYamlMap(
  files: ChartFiles,
  relative: string,
): { map: YamlMap | undefined; error: string | undefined } {
  const buffer = files.read(relative);
  if (buffer === undefined) return { map: undefined, error: undefined };
  try {
    const parsed = parseChartYaml(buffer.toString('utf8'));
    if (parsed === null || parsed === undefined) return { map: {}, error: undefined };
    if (typeof parsed !== 'object' || Array.isArray(parsed)) return { map: undefined, error: 'it is not a YAML map' };
    return { map: parsed as YamlMap, error: undefined };
  } catch (error) {
    return { map: undefined, error: (error as Error).message.split('\n')[0] };
  }
}

/** Reads Chart.yaml of a chart directory; ChartNotFoundError or ChartFileError (naming `shownAs`) when it cannot. */
export function readChartMetadata(directory: string, shownAs: string = directory): ChartMetadata {
  const file = path.join(directory, 'Chart.yaml');
  if (!existsSync(file)) {
    throw new ChartNotFoundError(
      existsSync(directory)
        ? `${shownAs} is not a chart directory: it has no Chart.yaml`
        : `chart directory ${shownAs} does not exist (resolved to ${directory})`,
      { hint: `pass the directory that holds Chart.yaml; relative paths start at ${process.cwd()}` },
    );
  }
  return chartMetadataOf(chartFolderFiles(directory), shownAs, file);
}

/** Chart.yaml of a chart's files, as readChartMetadata reads it; `file` names it in messages. */
export function chartMetadataOf(files: ChartFiles, shownAs: string, file: string): ChartMetadata {
  let metadata: ChartMetadata | null;
  try {
    metadata = parseChartYaml(files.read('Chart.yaml')?.toString('utf8') ?? '') as ChartMetadata | null;
  } catch (error) {
    const where = (error as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    throw new ChartFileError(
      `${path.join(shownAs, 'Chart.yaml')} is not valid YAML${where ? ` (line ${where.line}, column ${where.col})` : ''}: ${(error as Error).message.split('\n')[0]}`,
      { hint: `fix the YAML of ${file}; \`helm lint ${shownAs}\` shows the same place` },
    );
  }
  if (!metadata || typeof metadata.name !== 'string') {
    throw new ChartNotFoundError(`${file} has no chart name`, {
      hint: 'Chart.yaml needs apiVersion, name and version',
    });
  }
  return Object.freeze(metadata);
}

/** The chart's name from Chart.yaml when it has one that reads; undefined otherwise (never throws). */
export function chartNameIn(directory: string): string | undefined {
  const name = readYamlMap(chartFolderFiles(directory), 'Chart.yaml').map?.name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** The dependencies Chart.yaml names, with their aliases. */
export function dependenciesOf(chartYaml: YamlMap | undefined): { name: string; alias?: string }[] {
  const dependencies = chartYaml?.dependencies;
  if (!Array.isArray(dependencies)) return [];
  return dependencies.flatMap((dependency: unknown) => {
    if (!dependency || typeof dependency !== 'object') return [];
    const { name, alias } = dependency as YamlMap;
    if (typeof name !== 'string') return [];
    return [{ name, ...(typeof alias === 'string' ? { alias } : {}) }];
  });
}

/**
 * The names a subchart renders under: once per dependency of the parent's Chart.yaml that names it (its alias when
 * it has one), or its own name when none does.
 */
export function renderedNames(parentChartYaml: YamlMap | undefined, subchartName: string): string[] {
  const uses = dependenciesOf(parentChartYaml).filter((dependency) => dependency.name === subchartName);
  return uses.length === 0 ? [subchartName] : uses.map((dependency) => dependency.alias ?? dependency.name);
}

/** The charts under charts/: folders with a Chart.yaml and .tgz archives that are packaged charts, in name order. */
export function subchartsIn(files: ChartFiles): PackedSubchart[] {
  const found: PackedSubchart[] = [];
  for (const entry of files.entries('charts').sort((a, b) => a.name.localeCompare(b.name))) {
    const relative = `charts/${entry.name}`;
    const sub = entry.directory
      ? within(files, relative)
      : entry.name.endsWith('.tgz')
        ? chartArchiveFiles(files.read(relative) ?? Buffer.alloc(0))
        : undefined;
    if (sub?.read('Chart.yaml') !== undefined) found.push({ path: relative, files: sub });
  }
  return found;
}

/** The template files helm renders into manifests: templates/** minus partials (_*) and NOTES.txt. */
export function templateFilesIn(files: ChartFiles): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of files.entries(dir)) {
      if (entry.directory) walk(`${dir}/${entry.name}`);
      else if (!entry.name.startsWith('_') && entry.name !== 'NOTES.txt') found.push(`${dir}/${entry.name}`);
    }
  };
  walk('templates');
  return found.sort();
}

function within(files: ChartFiles, relative: string): ChartFiles {
  return {
    read: (file) => files.read(`${relative}/${file}`),
    entries: (dir) => files.entries(`${relative}/${dir}`),
  };
}
