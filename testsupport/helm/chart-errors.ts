import { ChartTestwareError } from '../errors.ts';

/** The chart directory does not exist or has no Chart.yaml. */
export class ChartNotFoundError extends ChartTestwareError {}

/** `helm template` failed: a template does not render, or the values do not fit the chart's schema. */
export class ChartRenderError extends ChartTestwareError {
  readonly chartDir: string;
  /** The failing template as helm names it, e.g. "echo-server/templates/deployment.yaml". */
  readonly template: string | undefined;
  /** Line (and column) in the template source, when helm says. */
  readonly line: number | undefined;
  readonly column: number | undefined;
  /** helm's message, on one line. */
  readonly helmMessage: string;

  constructor(chartDir: string, helmMessage: string, options: { cause?: unknown } = {}) {
    const where = locate(helmMessage);
    const cause = causeOf(chartDir, helmMessage);
    const place = where.template
      ? `template ${where.template}${where.line === undefined ? '' : ` line ${where.line}${where.column === undefined ? '' : `:${where.column}`}`}`
      : cause.place;
    super(`cannot render chart ${chartDir}: ${place}: ${helmMessage}`, {
      hint: where.template
        ? `fix ${where.template}${where.line === undefined ? '' : ` around line ${where.line}`}, or the values it reads; \`helm template ${chartDir} --debug\` shows the rendered output`
        : cause.hint,
      cause: options.cause,
    });
    this.chartDir = chartDir;
    this.template = where.template;
    this.line = where.line;
    this.column = where.column;
    this.helmMessage = helmMessage;
  }
}

/** A query for exactly one document found none, or several. */
export class DocumentNotFoundError extends ChartTestwareError {}

/** A template path that the chart does not have (probably a typo). */
export class UnknownTemplateError extends ChartTestwareError {}

function causeOf(chartDir: string, message: string): { place: string; hint: string } {
  if (/helm dep(endency)? (build|update)|missing in charts\/ directory/i.test(message)) {
    return {
      place: 'dependencies',
      hint: `run \`helm dependency build ${chartDir}\` (or pass \`dependencyBuild: true\` to HelmChart.render)`,
    };
  }
  if (/library charts are not installable/i.test(message)) {
    return {
      place: 'a library chart',
      hint: 'a library chart (type: library) renders nothing on its own: render a chart that depends on it',
    };
  }
  if (/invalid release name/i.test(message)) {
    return {
      place: 'releaseName',
      hint: 'give a release name of lowercase letters, digits, "-" and ".", at most 53 characters',
    };
  }
  if (/kube[- ]?version/i.test(message)) {
    return { place: 'kubeVersion', hint: 'give a Kubernetes version such as "1.32.0"' };
  }
  const file = /(?:open|read|failed to parse) ([^:]+):/.exec(message)?.[1];
  if (file && /values|\.ya?ml|\.json/.test(file)) {
    return {
      place: `values file ${file}`,
      hint: `check the values file ${file} (valuesFiles are read from ${process.cwd()})`,
    };
  }
  if (/schema/i.test(message)) {
    return {
      place: 'values (they do not match values.schema.json)',
      hint: "check the values passed to the chart against the chart's values.schema.json",
    };
  }
  return { place: 'the chart', hint: 'check the values passed to the chart and the files of the chart' };
}

function locate(message: string): { template?: string; line?: number; column?: number } {
  // Subchart directories may have spaces in their names ("parent/charts/testing pod/templates/x.yaml").
  const match = /([\w.-]+(?:\/charts\/[\w.-]+(?: [\w.-]+)*)*\/templates\/[^\s:()"]+)(?::(\d+))?(?::(\d+))?/.exec(
    message,
  );
  if (!match) return {};
  return {
    template: match[1],
    line: match[2] === undefined ? undefined : Number(match[2]),
    column: match[3] === undefined ? undefined : Number(match[3]),
  };
}

/** Chart.yaml (or another chart file) is not valid YAML. */
export class ChartFileError extends ChartTestwareError {}

/**
 * A rendered document is not valid YAML (a query reached its template), or, with `strictYaml`, a document repeats
 * a key.
 */
export class ChartYamlError extends ChartTestwareError {
  /** The templates concerned, as helm names them. */
  readonly templates: readonly string[];

  constructor(message: string, templates: readonly string[], options: { hint?: string } = {}) {
    super(message, options);
    this.templates = templates;
  }
}
