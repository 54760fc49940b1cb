import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { settle } from '../context/settle.ts';
import { resolveHelmBinary } from '../helm/helm-binary.ts';
import { HelmChart } from '../helm/helm-chart.ts';
import { HelmCommandError } from '../helm/helm-command-error.ts';
import { HelmTestAdaptor } from '../helm/helm-test-adaptor.ts';
import { type LintMessage, parseLintOutput } from '../helm/lint-output.ts';
import { valuesList } from '../helm/values-file.ts';
import { policyCatalogue } from './catalogue.ts';
import { type ChartSource, readChartSource } from './chart-source.ts';
import { imageValueOverrides, mergeValues } from './image-values.ts';
import { isMap, type JsonMap } from './json-access.ts';
import { type Finding, type PolicyCheck, type PolicyInput, type Severity, severityRank } from './policy-check.ts';
import {
  type ImageRender,
  isWellFormed,
  type PolicyContext,
  type PolicyObject,
  toPolicyObjects,
} from './policy-context.ts';
import { PolicyInputError } from './policy-errors.ts';
import { applyWaivers, loadWaiversFile, validateWaivers, type Waiver } from './waivers.ts';

export type FailOn = 'error' | 'warning';

export interface PolicyOptions {
  /** Values for every render (after values.yaml), e.g. what the chart needs to render at all. */
  values?: JsonMap | readonly JsonMap[];
  valuesFiles?: readonly string[];
  /** Waivers in addition to <chart>/chart-policy-waivers.yaml. */
  waivers?: readonly Waiver[];
  /** Which findings fail: 'error' (default) or 'warning' (warnings too). Info never fails. */
  failOn?: FailOn;
  /** Default: the whole catalogue. */
  checks?: readonly PolicyCheck[];
  /** Default: random and unusual, so that hard-coded names and namespaces stand out. */
  releaseName?: string;
  namespace?: string;
  /** .Capabilities.KubeVersion for the renders, e.g. "1.32.0". */
  kubeVersion?: string;
  helm?: HelmTestAdaptor;
}

export type RenderName = 'default' | 'image-values-changed' | 'lint';

export interface RenderOutcome {
  readonly name: RenderName;
  /** What was rendered, for messages. */
  readonly description: string;
  readonly error: Error | undefined;
  readonly durationMs: number;
}

export type CheckStatus = 'passed' | 'failed' | 'reported' | 'not-evaluated' | 'crashed';

export interface CheckResult {
  readonly check: PolicyCheck;
  /** passed: no findings; failed: findings at or above failOn; reported: findings below it (printed, not failing). */
  readonly status: CheckStatus;
  readonly findings: readonly Finding[];
  readonly waived: readonly { finding: Finding; waiver: Waiver }[];
  /** Why a check was not evaluated or crashed. */
  readonly reason?: string | undefined;
}

export interface PolicyReport {
  readonly chart: {
    readonly directory: string;
    readonly shownAs: string;
    readonly name: string;
    readonly version: string;
  };
  readonly releaseName: string;
  readonly namespace: string;
  readonly failOn: FailOn;
  readonly renders: readonly RenderOutcome[];
  readonly results: readonly CheckResult[];
  readonly unusedWaivers: readonly Waiver[];
  /** A check failed or crashed, a render failed, or a waiver matched nothing. */
  readonly failed: boolean;
}

/** Release name and namespace of this process's renders: random, so a chart cannot have them hard-coded. */
const processSuffix = randomBytes(3).toString('hex');
const defaultPolicyRelease = `pr${processSuffix}`;
const defaultPolicyNamespace = `policy-ns-${processSuffix}`;

/** Checks a chart against the catalogue: renders it once per distinct values set, runs every check, applies waivers. */
export async function evaluateChartPolicy(chartDir: string, options: PolicyOptions = {}): Promise<PolicyReport> {
  const plan = planChartPolicy(chartDir, options);
  return runChartPolicy(plan);
}

/** What evaluateChartPolicy will do, worked out without helm (throws PolicyInputError on bad input). */
export interface PolicyPlan {
  readonly source: ChartSource;
  readonly options: PolicyOptions;
  readonly checks: readonly PolicyCheck[];
  readonly waivers: readonly Waiver[];
  readonly needs: ReadonlySet<PolicyInput>;
  readonly callerValues: readonly JsonMap[];
  readonly releaseName: string;
  readonly namespace: string;
  readonly failOn: FailOn;
}

export function planChartPolicy(chartDir: string, options: PolicyOptions = {}): PolicyPlan {
  const source = readChartSource(chartDir);
  const checks = options.checks ?? policyCatalogue;
  const known = policyCatalogue.map((check) => check.id).concat(checks.map((check) => check.id));
  const waivers = [
    ...loadWaiversFile(source.directory, known),
    ...validateWaivers(options.waivers ?? [], 'test call', known),
  ];
  if (options.failOn !== undefined && options.failOn !== 'error' && options.failOn !== 'warning') {
    throw new PolicyInputError(`failOn must be "error" or "warning", not "${String(options.failOn)}"`);
  }
  const callerValues = [
    ...(options.valuesFiles ?? []).map((file) => readValuesFile(file)),
    ...valuesList(options.values),
  ];
  return {
    source,
    options,
    checks,
    waivers,
    needs: new Set(checks.flatMap((check) => check.needs)),
    callerValues,
    releaseName: options.releaseName ?? defaultPolicyRelease,
    namespace: options.namespace ?? defaultPolicyNamespace,
    failOn: options.failOn ?? 'error',
  };
}

/** Runs a plan: the renders it needs (in parallel), every check, the waivers. */
export async function runChartPolicy(plan: PolicyPlan): Promise<PolicyReport> {
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

  const [defaultRender, imageRender, lint] = await Promise.all([
    needs.has('render') || needs.has('imageRender')
      ? timed('default', `the chart's default values (${described})`, () =>
          HelmChart.render(source.directory, { ...renderOptions, values: userValues }),
        )
      : undefined,
    needs.has('imageRender')
      ? timed(
          'image-values-changed',
          `every image value changed (${images.changes.length} value(s); ${described})`,
          () => HelmChart.render(source.directory, { ...renderOptions, values: [...userValues, images.override] }),
        )
      : undefined,
    needs.has('lint')
      ? timed('lint', 'helm lint', () => runLint(helm, source, userValues, options.valuesFiles))
      : undefined,
  ]);

  const documents = defaultRender?.value ? toObjects(defaultRender.value) : undefined;
  const wellFormed = documents?.filter(isWellFormed);
  const imageObjects = imageRender?.value ? toObjects(imageRender.value) : undefined;
  const available: Record<PolicyInput, RenderOutcome | undefined> = {
    render: defaultRender?.outcome,
    imageRender: imageRender?.outcome,
    lint: lint?.outcome,
  };
  const context: PolicyContext = {
    source,
    releaseName: plan.releaseName,
    namespace: plan.namespace,
    callerValues: plan.callerValues,
    get documents() {
      return required(documents, 'render');
    },
    get objects() {
      return required(wellFormed, 'render');
    },
    get duplicateKeys() {
      const chart = required(defaultRender?.value, 'render');
      return chart.documents.flatMap((doc) =>
        (doc.duplicateKeys ?? []).map((key) => ({
          kind: doc.object.kind ?? '',
          name: doc.object.metadata?.name ?? '',
          key,
        })),
      );
    },
    get brokenDocuments() {
      return required(defaultRender?.value, 'render').brokenDocuments;
    },
    get imageRender(): ImageRender {
      return { objects: required(imageObjects, 'imageRender'), changes: images.changes };
    },
    get lint() {
      return required(lint?.value, 'lint');
    },
  };

  const used = new Set<Waiver>();
  const results: CheckResult[] = plan.checks.map((check) => {
    const missing = check.needs.map((need) => available[need]).find((outcome) => outcome?.error);
    if (missing) {
      return {
        check,
        status: 'not-evaluated',
        findings: [],
        waived: [],
        reason:
          missing.name === 'lint'
            ? `not evaluated: helm lint did not run: ${missing.error?.message.split('\n')[0]}`
            : `not evaluated: the chart did not render (${missing.name}); see the test "policy render ${missing.name}"`,
      };
    }
    let drafts: ReturnType<PolicyCheck['run']>;
    try {
      drafts = check.run(context);
    } catch (error) {
      return {
        check,
        status: 'crashed',
        findings: [],
        waived: [],
        reason: `the check crashed on this chart: ${(error as Error).stack ?? String(error)}`,
      };
    }
    const findings = drafts.map((draft) => ({ check: check.id, severity: check.severity, ...draft }));
    const { kept, waived } = applyWaivers(findings, plan.waivers, used);
    const status: CheckStatus =
      kept.length === 0 ? 'passed' : severityRank[check.severity] >= severityRank[plan.failOn] ? 'failed' : 'reported';
    return { check, status, findings: kept, waived };
  });

  // A waiver for a check that was not evaluated cannot be judged: it is not reported as unused.
  const evaluated = new Set(
    results.filter((result) => result.status !== 'not-evaluated').map((result) => result.check.id),
  );
  const unusedWaivers = plan.waivers.filter((waiver) => !used.has(waiver) && evaluated.has(waiver.check));
  const renders = [defaultRender, imageRender, lint].flatMap((render) => (render ? [render.outcome] : []));
  return {
    chart: {
      directory: source.directory,
      shownAs: source.shownAs,
      name: source.name,
      version: String(source.chartYaml?.version ?? ''),
    },
    releaseName: plan.releaseName,
    namespace: plan.namespace,
    failOn: plan.failOn,
    renders,
    results,
    unusedWaivers,
    failed:
      results.some((result) => result.status === 'failed' || result.status === 'crashed') ||
      renders.some((render) => render.error) ||
      unusedWaivers.length > 0,
  };
}

/** Severity of a finding that would make a report fail under failOn. */
export function failsUnder(severity: Severity, failOn: FailOn): boolean {
  return severityRank[severity] >= severityRank[failOn];
}

function required<T>(value: T | undefined, input: PolicyInput): T {
  if (value === undefined) throw new Error(`a check read "${input}" without declaring it in needs`);
  return value;
}

function toObjects(chart: HelmChart): PolicyObject[] {
  return chart.documents.flatMap((doc) => toPolicyObjects(doc.object, doc.template, doc.index));
}

async function timed<T>(
  name: RenderName,
  description: string,
  run: () => Promise<T>,
): Promise<{ value: T | undefined; outcome: RenderOutcome }> {
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

function readValuesFile(file: string): JsonMap {
  try {
    const parsed = parseYaml(readFileSync(file, 'utf8')) as unknown;
    return isMap(parsed) ? parsed : {};
  } catch (error) {
    throw new PolicyInputError(
      `cannot read values file ${path.resolve(file)}: ${(error as Error).message.split('\n')[0]}`,
    );
  }
}
