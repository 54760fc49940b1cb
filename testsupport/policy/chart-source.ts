import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PolicyInputError } from './policy-errors.ts';
import { readTarGz } from './tar-gz.ts';

type Values = Record<string, unknown>;

/** One chart of a chart tree: the chart itself or a subchart, as helm prefixes its templates. */
export interface ChartInfo {
  /** helm's template prefix: "parent" or "parent/charts/sub" (an alias replaces the subchart's name). */
  readonly prefix: string;
  readonly name: string;
  readonly version: string;
  /** The chart's own values.yaml. */
  readonly values: Values;
  /** Where this chart's values sit in the top chart's values: [] for the top chart, ["sub"] for a subchart. */
  readonly valuesPath: readonly string[];
}

/** The files of a chart directory that the checks read without helm: Chart.yaml, values.yaml and the subcharts. */
export interface ChartSource {
  /** Absolute path. */
  readonly directory: string;
  /** The path as the caller gave it. */
  readonly shownAs: string;
  readonly folderName: string;
  /** Chart.yaml as parsed; undefined when it does not parse to a map (see chartYamlError). */
  readonly chartYaml: Values | undefined;
  readonly chartYamlError: string | undefined;
  /** Chart.yaml's name, else the folder's. */
  readonly name: string;
  /** values.yaml as text (undefined when the chart has none). */
  readonly valuesText: string | undefined;
  readonly values: Values;
  readonly valuesError: string | undefined;
  /** The chart and every subchart found under charts/ (directories and .tgz), by prefix. */
  readonly charts: ReadonlyMap<string, ChartInfo>;
  /** Keys of the top values.yaml that belong to subcharts (their names and aliases), plus "global". */
  readonly subchartKeys: ReadonlySet<string>;
}

interface FileTree {
  read(relative: string): Buffer | undefined;
  entries(relative: string): { name: string; directory: boolean }[];
}

/** Reads a chart directory; throws PolicyInputError when it is not one. */
export function readChartSource(chartDir: string): ChartSource {
  const directory = path.resolve(chartDir);
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new PolicyInputError(`chart directory ${chartDir} does not exist (resolved to ${directory})`, {
      hint: `pass the directory that holds Chart.yaml; relative paths start at ${process.cwd()}`,
    });
  }
  if (!existsSync(path.join(directory, 'Chart.yaml'))) {
    throw new PolicyInputError(`${chartDir} is not a chart directory: it has no Chart.yaml`, {
      hint: 'pass a chart directory, or (to the CLI) a folder whose subfolders are charts',
    });
  }
  const tree = directoryTree(directory);
  const chartYaml = parseMap(tree.read('Chart.yaml'));
  const valuesBuffer = tree.read('values.yaml') ?? tree.read('values.yml');
  const values = parseMap(valuesBuffer);
  const folderName = path.basename(directory);
  const name = typeof chartYaml.map?.name === 'string' ? chartYaml.map.name : folderName;
  const charts = new Map<string, ChartInfo>();
  collectCharts(tree, name, [], chartYaml.map, values.map ?? {}, charts);
  const subchartKeys = new Set(['global']);
  for (const info of charts.values()) if (info.valuesPath.length === 1) subchartKeys.add(info.valuesPath[0] as string);
  for (const dependency of dependenciesOf(chartYaml.map)) {
    subchartKeys.add(dependency.alias ?? dependency.name);
  }
  return {
    directory,
    shownAs: chartDir,
    folderName,
    chartYaml: chartYaml.map,
    chartYamlError: chartYaml.error,
    name,
    valuesText: valuesBuffer?.toString('utf8'),
    values: values.map ?? {},
    valuesError: values.error,
    charts,
    subchartKeys,
  };
}

/** The chart (or subchart) a template belongs to: the longest known prefix of its path. */
export function chartOfTemplate(source: ChartSource, template: string): ChartInfo | undefined {
  let best: ChartInfo | undefined;
  for (const info of source.charts.values()) {
    if (template.startsWith(`${info.prefix}/templates/`) && (!best || info.prefix.length > best.prefix.length)) {
      best = info;
    }
  }
  return best;
}

function collectCharts(
  tree: FileTree,
  prefix: string,
  valuesPath: string[],
  chartYaml: Values | undefined,
  values: Values,
  into: Map<string, ChartInfo>,
): void {
  into.set(prefix, {
    prefix,
    name: prefix.split('/').pop() ?? prefix,
    version: String(chartYaml?.version ?? ''),
    values,
    valuesPath,
  });
  const subcharts: { tree: FileTree; chartYaml: Values; values: Values }[] = [];
  for (const entry of tree.entries('charts')) {
    const sub = entry.directory ? subtree(tree, `charts/${entry.name}`) : tarTree(tree, `charts/${entry.name}`);
    if (!sub) continue;
    const subYaml = parseMap(sub.read('Chart.yaml')).map;
    if (!subYaml || typeof subYaml.name !== 'string') continue;
    subcharts.push({ tree: sub, chartYaml: subYaml, values: parseMap(sub.read('values.yaml')).map ?? {} });
  }
  const dependencies = dependenciesOf(chartYaml);
  for (const sub of subcharts) {
    const subName = sub.chartYaml.name as string;
    const aliases = dependencies.filter((dep) => dep.name === subName && dep.alias).map((dep) => dep.alias as string);
    const names = aliases.length > 0 ? aliases : [subName];
    for (const shownName of names) {
      collectCharts(
        sub.tree,
        `${prefix}/charts/${shownName}`,
        [...valuesPath, shownName],
        sub.chartYaml,
        sub.values,
        into,
      );
    }
  }
}

function dependenciesOf(chartYaml: Values | undefined): { name: string; alias?: string }[] {
  const dependencies = chartYaml?.dependencies;
  if (!Array.isArray(dependencies)) return [];
  return dependencies.flatMap((dep) =>
    dep && typeof dep === 'object' && typeof (dep as Values).name === 'string'
      ? [
          {
            name: (dep as Values).name as string,
            ...(typeof (dep as Values).alias === 'string' ? { alias: (dep as Values).alias as string } : {}),
          },
        ]
      : [],
  );
}

function parseMap(buffer: Buffer | undefined): { map: Values | undefined; error: string | undefined } {
  if (buffer === undefined) return { map: undefined, error: undefined };
  try {
    // as helm reads these files: YAML 1.1, a key written twice accepted (the last one wins)
    const parsed = parseYaml(buffer.toString('utf8'), { version: '1.1', uniqueKeys: false, merge: true }) as unknown;
    if (parsed === null || parsed === undefined) return { map: {}, error: undefined };
    if (typeof parsed !== 'object' || Array.isArray(parsed)) return { map: undefined, error: 'it is not a YAML map' };
    return { map: parsed as Values, error: undefined };
  } catch (error) {
    return { map: undefined, error: (error as Error).message.split('\n')[0] };
  }
}

function directoryTree(root: string): FileTree {
  return {
    read(relative) {
      const file = path.join(root, relative);
      return existsSync(file) && statSync(file).isFile() ? readFileSync(file) : undefined;
    },
    entries(relative) {
      const dir = path.join(root, relative);
      if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
      return readdirSync(dir, { withFileTypes: true }).map((entry) => ({
        name: entry.name,
        directory: entry.isDirectory(),
      }));
    },
  };
}

function subtree(tree: FileTree, relative: string): FileTree | undefined {
  return {
    read: (file) => tree.read(`${relative}/${file}`),
    entries: (dir) => tree.entries(`${relative}/${dir}`),
  };
}

function tarTree(tree: FileTree, relative: string): FileTree | undefined {
  if (!relative.endsWith('.tgz')) return undefined;
  const data = tree.read(relative);
  if (!data) return undefined;
  let files: Map<string, Buffer>;
  try {
    files = readTarGz(data);
  } catch {
    return undefined;
  }
  // A packaged chart has one top folder, named after the chart.
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
