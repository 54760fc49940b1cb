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
    const place = where.template
      ? `template ${where.template}${where.line === undefined ? '' : ` line ${where.line}${where.column === undefined ? '' : `:${where.column}`}`}`
      : /schema/i.test(helmMessage)
        ? 'values (they do not match values.schema.json)'
        : 'the chart';
    super(`cannot render chart ${chartDir}: ${place}: ${helmMessage}`, {
      hint: where.template
        ? `fix ${where.template}${where.line === undefined ? '' : ` around line ${where.line}`}, or the values it reads; \`helm template ${chartDir} --debug\` shows the rendered output`
        : "check the values passed to the chart and the chart's values.schema.json",
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

function locate(message: string): { template?: string; line?: number; column?: number } {
  const match = /([\w.-]+(?:\/charts\/[\w.-]+)*\/templates\/[^\s:()"]+)(?::(\d+))?(?::(\d+))?/.exec(message);
  if (!match) return {};
  return {
    template: match[1],
    line: match[2] === undefined ? undefined : Number(match[2]),
    column: match[3] === undefined ? undefined : Number(match[3]),
  };
}
