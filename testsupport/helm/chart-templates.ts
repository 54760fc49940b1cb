import path from 'node:path';
import { UnknownTemplateError } from './chart-errors.ts';
import {
  type ChartFiles,
  type ChartMetadata,
  chartMetadataOf,
  renderedNames,
  subchartsIn,
  templateFilesIn,
} from './chart-files.ts';

/**
 * Every template file of a chart that can render manifests, as helm names them ("chart/templates/x.yaml",
 * "chart/charts/<alias>/templates/y.yaml"), for the chart and its subcharts (folders and .tgz, once per alias).
 * `shownAs` is the chart's place in messages about a subchart's Chart.yaml.
 */
export function listTemplateFiles(files: ChartFiles, metadata: ChartMetadata, shownAs: string): string[] {
  const listed = templateFilesIn(files).map((file) => `${metadata.name}/${file}`);
  for (const sub of subchartsIn(files)) {
    const where = path.join(shownAs, sub.path);
    const subMetadata = chartMetadataOf(sub.files, where, path.join(where, 'Chart.yaml'));
    for (const name of renderedNames(metadata, subMetadata.name)) {
      for (const file of listTemplateFiles(sub.files, { ...subMetadata, name }, where)) {
        listed.push(`${metadata.name}/charts/${file}`);
      }
    }
  }
  return listed.sort();
}

/** helm's name of a template given as the user wrote it; UnknownTemplateError when the chart has none such. */
export function templatePathIn(
  chartName: string,
  templateFiles: readonly string[],
  rendered: readonly string[],
  template: string,
): string {
  const candidates = [template, `${chartName}/${template}`];
  const known = candidates.find((candidate) => templateFiles.includes(candidate) || rendered.includes(candidate));
  if (!known) {
    throw new UnknownTemplateError(`chart ${chartName} has no template "${template}"`, {
      hint: `its templates: ${templateFiles.map((file) => file.slice(chartName.length + 1)).join(', ')}`,
    });
  }
  return known;
}
