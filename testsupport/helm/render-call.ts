import { ConfigError } from '../errors.ts';
import { ChartRenderError, ChartYamlError } from './chart-errors.ts';
import { HelmCommandError } from './helm-command-error.ts';
import { checkNamespace, checkTimeout } from './helm-input-checks.ts';
import type { HelmValues } from './helm-options.ts';
import type { HelmTestAdaptor } from './helm-test-adaptor.ts';
import type { BrokenDocument } from './manifest-parser.ts';
import { checkOptionKeys, checkStringList, type OptionKeys } from './option-keys.ts';
import type { CachedRender } from './render-cache.ts';
import type { RenderOptions } from './render-options.ts';

// The helm side of HelmChart.render: checking the options, the one helm call (and its fallbacks), strictYaml.

/**
 * One `helm template` call. When helm refuses its own output as YAML ("YAML parse error on <template>"), it is run
 * once more with --debug, which prints the output anyway: the broken document is then kept apart by the parser,
 * so the other templates can still be queried. A `--show-only` template that rendered nothing is dropped from the
 * call (helm would fail with "could not find template").
 */
export async function renderWithHelm(
  helm: HelmTestAdaptor,
  directory: string,
  chartDir: string,
  chartName: string,
  values: HelmValues[],
  valuesFiles: readonly string[],
  options: RenderOptions,
  showOnly: readonly string[] | undefined,
): Promise<{ manifest: string; yamlError?: { template: string; message: string } }> {
  let only = showOnly ? [...showOnly] : undefined;
  const call = (debug: boolean) =>
    helm.template(directory, {
      releaseName: options.releaseName ?? 'release',
      namespace: options.namespace ?? 'default',
      kubeVersion: options.kubeVersion,
      apiVersions: options.apiVersions,
      includeCrds: options.includeCrds,
      skipTests: options.skipTests,
      isUpgrade: options.isUpgrade,
      showOnly: only?.map((template) => template.slice(chartName.length + 1)),
      extraArgs: debug ? ['--debug'] : [],
      values,
      valuesFiles,
      timeout: options.timeout ?? 120_000,
    });
  let debug = false;
  let yamlError: { template: string; message: string } | undefined;
  for (;;) {
    if (only?.length === 0) return { manifest: '', yamlError };
    let failure: HelmCommandError;
    try {
      return { manifest: await call(debug), yamlError };
    } catch (error) {
      if (!(error instanceof HelmCommandError) || error.exitCode === undefined) throw error;
      failure = error;
    }
    const missing = /could not find template (\S+) in chart/.exec(failure.helmMessage)?.[1];
    if (missing && only?.some((template) => template.endsWith(`/${missing}`))) {
      only = only.filter((template) => !template.endsWith(`/${missing}`));
      continue;
    }
    const yaml = /YAML parse error on (.+?\.\w+): (.*)$/.exec(failure.helmMessage);
    if (yaml && !debug) {
      yamlError = { template: yaml[1] as string, message: yaml[2] as string };
      debug = true;
      continue;
    }
    if (debug && yamlError && failure.stdout.includes('# Source: ')) return { manifest: failure.stdout, yamlError };
    throw new ChartRenderError(chartDir, failure.helmMessage, { cause: failure });
  }
}

export function checkStrict(render: CachedRender, chartDir: string, options: RenderOptions): CachedRender {
  if (!options.strictYaml) return render;
  const duplicates = render.documents.flatMap((doc) => doc.duplicateKeys ?? []);
  const broken = render.broken ?? [];
  if (duplicates.length === 0 && broken.length === 0) return render;
  const lines = [
    ...broken.map((doc) => `${doc.template}${doc.line === undefined ? '' : ` line ${doc.line}`}: ${doc.message}`),
    ...duplicates.map((key) => `${key.template} line ${key.line}: key ${key.path} is written more than once`),
  ];
  throw new ChartYamlError(
    `chart ${chartDir} renders YAML that strictYaml refuses:\n  ${lines.join('\n  ')}`,
    [...new Set([...broken.map((doc) => doc.template), ...duplicates.map((key) => key.template)])],
    { hint: 'write each key once in the template (the last one is what the cluster gets), or drop strictYaml' },
  );
}

export function brokenError(chartName: string, broken: readonly BrokenDocument[]): ChartYamlError {
  const first = broken[0] as BrokenDocument;
  const templates = [...new Set(broken.map((doc) => doc.template))];
  return new ChartYamlError(
    `chart ${chartName}: template ${first.template} renders a document that is not valid YAML${first.line === undefined ? '' : ` (line ${first.line})`}: ${first.message}`,
    templates,
    {
      hint: `fix ${templates.join(', ')}; queries on other templates (fromTemplate, find({ template })) still work`,
    },
  );
}

const renderKeys = {
  values: true,
  valuesFiles: true,
  releaseName: true,
  namespace: true,
  kubeVersion: true,
  apiVersions: true,
  includeCrds: true,
  skipTests: true,
  isUpgrade: true,
  helm: true,
  cache: true,
  timeout: true,
  templates: true,
  strictYaml: true,
  dependencyBuild: true,
} as const satisfies OptionKeys<RenderOptions>;

export function checkRenderOptions(options: RenderOptions): void {
  checkOptionKeys(options, renderKeys, 'HelmChart.render');
  for (const list of ['valuesFiles', 'apiVersions', 'templates'] as const) checkStringList(options[list], list);
  if (options.timeout !== undefined) checkTimeout(options.timeout, 'timeout');
  if (options.releaseName !== undefined) {
    const name = options.releaseName;
    if (
      typeof name !== 'string' ||
      name.length > 53 ||
      !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name)
    ) {
      throw new ConfigError(`releaseName ${JSON.stringify(name)} is not a valid helm release name`, {
        hint: 'use at most 53 lowercase letters, digits, "-" and ".", starting and ending with a letter or digit',
      });
    }
  }
  if (options.namespace !== undefined) checkNamespace(options.namespace, 'namespace');
  if (options.kubeVersion !== undefined && !/^v?\d+\.\d+(\.\d+)?([-+][\w.+-]*)?$/.test(String(options.kubeVersion))) {
    throw new ConfigError(`kubeVersion ${JSON.stringify(options.kubeVersion)} is not a Kubernetes version`, {
      hint: 'give MAJOR.MINOR or MAJOR.MINOR.PATCH, e.g. "1.32.0"',
    });
  }
  if (options.templates !== undefined && (!Array.isArray(options.templates) || options.templates.length === 0)) {
    throw new ConfigError('templates must be a non-empty array of template paths, e.g. ["templates/service.yaml"]', {
      hint: 'leave templates out to render the whole chart',
    });
  }
}
