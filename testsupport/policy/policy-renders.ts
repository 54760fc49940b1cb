import { settle } from '../context/settle.ts';
import { resolveHelmBinary } from '../helm/helm-binary.ts';
import { HelmChart } from '../helm/helm-chart.ts';
import { HelmCommandError } from '../helm/helm-command-error.ts';
import { HelmTestAdaptor } from '../helm/helm-test-adaptor.ts';
import { type LintMessage, parseLintOutput } from '../helm/lint-output.ts';
import { valuesList } from '../helm/values-file.ts';
import type { ChartSource } from './chart-source.ts';
import { type ImageValueChange, imageValueOverrides, mergeValues } from './image-values.ts';
import type { JsonMap } from './json-access.ts';
import type { PolicyPlan } from './policy-evaluation.ts';

// What the checks read that needs helm: the default render, the render with every image value changed, helm lint;
// each only when a check needs it, in parallel, and each failure kept as that render's outcome.

export type RenderName = 'default' | 'image-values-changed' | 'lint';

export interface RenderOutcome {
  readonly name: RenderName;
  /** What was rendered, for messages. */
  readonly description: string;
  readonly error: Error | undefined;
  readonly durationMs: number;
}

/** A render's value (undefined when it failed) and its outcome. */
export interface Timed<T> {
  readonly value: T | undefined;
  readonly outcome: RenderOutcome;
}

export interface PolicyRenders {
  readonly default: Timed<HelmChart> | undefined;
  readonly image: Timed<HelmChart> | undefined;
  readonly lint: Timed<LintMessage[]> | undefined;
  /** The image values the image render changed. */
  readonly imageChanges: readonly ImageValueChange[];
}

/** The renders the plan's checks need. */
export async function renderForPolicy(plan: PolicyPlan): Promise<PolicyRenders> {
  const { source, options, needs } = plan;
  const helm = options.helm ?? new HelmTestAdaptor(await resolveHelmBinary());
  const renderOptions = {
    releaseName: plan.releaseName,
    namespace: plan.namespace,
    kubeVersion: options.kubeVersion,
    valuesFiles: options.valuesFiles,
    helm,
    // The release name and namespace are new in every process, so a cached render would never be read again.
    cache: false,
  };
  const userValues = valuesList(options.values);
  const images = imageValueOverrides(effectiveValues(source, plan.callerValues));
  const described = `release ${plan.releaseName} in namespace ${plan.namespace}${plan.callerValues.length > 0 ? ', with the values of the test' : ''}`;
  const render = (values: JsonMap[]) => () => HelmChart.render(source.directory, { ...renderOptions, values });

  const [defaultRender, imageRender, lint] = await Promise.all([
    needs.has('render') || needs.has('imageRender')
      ? timed('default', `the chart's default values (${described})`, render(userValues))
      : undefined,
    needs.has('imageRender')
      ? timed(
          'image-values-changed',
          `every image value changed (${images.changes.length} value(s); ${described})`,
          render([...userValues, images.override]),
        )
      : undefined,
    needs.has('lint')
      ? timed('lint', 'helm lint', () => runLint(helm, source, userValues, options.valuesFiles))
      : undefined,
  ]);
  return { default: defaultRender, image: imageRender, lint, imageChanges: images.changes };
}

async function timed<T>(name: RenderName, description: string, run: () => Promise<T>): Promise<Timed<T>> {
  const started = performance.now();
  try {
    const value = await run();
    return { value, outcome: { name, description, error: undefined, durationMs: performance.now() - started } };
  } catch (error) {
    // Whatever stops helm or the parsing of its output (a Chart.yaml that is not YAML, too) is this chart's
    // render failure, reported as such; it must not stop the other checks or charts.
    const failure = error instanceof Error ? error : new Error(String(error));
    return {
      value: undefined,
      outcome: { name, description, error: failure, durationMs: performance.now() - started },
    };
  }
}

async function runLint(
  helm: HelmTestAdaptor,
  source: ChartSource,
  values: JsonMap[],
  valuesFiles: readonly string[] | undefined,
): Promise<LintMessage[]> {
  const result = await settle(helm.lint(source.directory, { values, valuesFiles }), HelmCommandError);
  if (result.ok) return [...result.value.messages];
  const messages = parseLintOutput(result.error.stdout);
  if (!messages.some((message) => message.severity === 'ERROR')) {
    messages.push({
      severity: 'ERROR',
      path: undefined,
      text: result.error.helmMessage || result.error.message.split('\n')[0] || 'helm lint failed',
    });
  }
  return messages;
}

/** values.yaml of the chart and its subcharts (each under its key), then the caller's values. */
function effectiveValues(source: ChartSource, callerValues: readonly JsonMap[]): JsonMap {
  let merged: JsonMap = {};
  const charts = [...source.charts.values()].sort((a, b) => b.valuesPath.length - a.valuesPath.length);
  for (const chart of charts) {
    let nested: JsonMap = chart.values;
    for (const key of [...chart.valuesPath].reverse()) nested = { [key]: nested };
    merged = mergeValues(merged, nested);
  }
  for (const values of callerValues) merged = mergeValues(merged, values);
  return merged;
}
