import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  type ChartFiles,
  chartFolderFiles,
  dependenciesOf,
  readYamlMap,
  renderedNames,
  subchartsIn,
  type YamlMap,
} from '../helm/chart-files.ts';
import { PolicyInputError } from './policy-errors.ts';

type Values = YamlMap;

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
  const files = chartFolderFiles(directory);
  const chartYaml = readYamlMap(files, 'Chart.yaml');
  const valuesFile = files.read('values.yaml') ? 'values.yaml' : 'values.yml';
  const valuesBuffer = files.read(valuesFile);
  const values = readYamlMap(files, valuesFile);
  const folderName = path.basename(directory);
  const name = typeof chartYaml.map?.name === 'string' ? chartYaml.map.name : folderName;
  const charts = new Map<string, ChartInfo>();
  collectCharts(files, name, [], chartYaml.map, values.map ?? {}, charts);
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
  files: ChartFiles,
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
  for (const sub of subchartsIn(files)) {
    const subYaml = readYamlMap(sub.files, 'Chart.yaml').map;
    if (!subYaml || typeof subYaml.name !== 'string') continue;
    const subValues = readYamlMap(sub.files, 'values.yaml').map ?? {};
    for (const shownName of renderedNames(chartYaml, subYaml.name)) {
      const subPrefix = `${prefix}/charts/${shownName}`;
      collectCharts(sub.files, subPrefix, [...valuesPath, shownName], subYaml, subValues, into);
    }
  }
}
