import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { HelmChart } from '../helm/helm-chart.ts';
import type { HelmTestAdaptor } from '../helm/helm-test-adaptor.ts';
import { valuesList } from '../helm/values-file.ts';
import { policyCatalogue } from './catalogue.ts';
import { type ChartSource, readChartSource } from './chart-source.ts';
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
import { type PolicyRenders, type RenderOutcome, renderForPolicy } from './policy-renders.ts';
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
  const renders = await renderForPolicy(plan);
  const context = policyContext(plan, renders);
  const available: Record<PolicyInput, RenderOutcome | undefined> = {
    render: renders.default?.outcome,
    imageRender: renders.image?.outcome,
    lint: renders.lint?.outcome,
  };
  const used = new Set<Waiver>();
  const results = plan.checks.map((check) => runCheck(check, context, available, plan, used));
  // A waiver for a check that was not evaluated cannot be judged: it is not reported as unused.
  const evaluated = new Set(
    results.filter((result) => result.status !== 'not-evaluated').map((result) => result.check.id),
  );
  const unusedWaivers = plan.waivers.filter((waiver) => !used.has(waiver) && evaluated.has(waiver.check));
  const outcomes = [renders.default, renders.image, renders.lint].flatMap((render) => (render ? [render.outcome] : []));
  const { source } = plan;
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
    renders: outcomes,
    results,
    unusedWaivers,
    failed:
      results.some((result) => result.status === 'failed' || result.status === 'crashed') ||
      outcomes.some((render) => render.error) ||
      unusedWaivers.length > 0,
  };
}

/** What the checks see: the render-based fields throw when a check did not declare that it needs them. */
function policyContext(plan: PolicyPlan, renders: PolicyRenders): PolicyContext {
  const defaultChart = renders.default?.value;
  const documents = defaultChart ? toObjects(defaultChart) : undefined;
  const wellFormed = documents?.filter(isWellFormed);
  const imageObjects = renders.image?.value ? toObjects(renders.image.value) : undefined;
  return {
    source: plan.source,
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
      return required(defaultChart, 'render').documents.flatMap((doc) =>
        (doc.duplicateKeys ?? []).map((key) => ({
          kind: doc.object.kind ?? '',
          name: doc.object.metadata?.name ?? '',
          key,
        })),
      );
    },
    get brokenDocuments() {
      return required(defaultChart, 'render').brokenDocuments;
    },
    get imageRender(): ImageRender {
      return { objects: required(imageObjects, 'imageRender'), changes: renders.imageChanges };
    },
    get lint() {
      return required(renders.lint?.value, 'lint');
    },
  };
}

/** One check's result: not evaluated (an input it needs failed), crashed, or its findings after the waivers. */
function runCheck(
  check: PolicyCheck,
  context: PolicyContext,
  available: Record<PolicyInput, RenderOutcome | undefined>,
  plan: PolicyPlan,
  used: Set<Waiver>,
): CheckResult {
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
