import type { PolicyContext } from './policy-context.ts';

/** error: fails the policy test; warning and info: printed (unless `failOn: 'warning'`). */
export type Severity = 'error' | 'warning' | 'info';

/** What a check reads besides Chart.yaml and values.yaml; the evaluator renders or lints only what is needed. */
export type PolicyInput = 'render' | 'imageRender' | 'lint';

/** The object a finding is about, as `kubectl get <kind>/<name>` names it. */
export interface FindingObject {
  readonly kind: string;
  readonly name: string;
}

/** One breach of one check. */
export interface Finding {
  readonly check: string;
  readonly severity: Severity;
  /** Absent for chart-level findings (Chart.yaml, values.yaml, lint). */
  readonly object?: FindingObject | undefined;
  /** The template as helm names it ("my-chart/templates/web.yaml"), or the chart file ("my-chart/Chart.yaml"). */
  readonly template?: string | undefined;
  readonly message: string;
  /** What to change, in a sentence. */
  readonly fix: string;
}

/** A finding as a check returns it; the evaluator adds the check id and severity. */
export type FindingDraft = Omit<Finding, 'check' | 'severity'>;

/** One machine-checkable rule of the container-orchestration guidelines. */
export interface PolicyCheck {
  /** kebab-case, e.g. "image-tag-explicit"; the Jest test is named `policy <id>`. */
  readonly id: string;
  readonly severity: Severity;
  /** The rule in one line. */
  readonly rule: string;
  /** The guidelines section the rule comes from. */
  readonly section: string;
  readonly needs: readonly PolicyInput[];
  readonly run: (context: PolicyContext) => FindingDraft[];
}

export const severityRank: Readonly<Record<Severity, number>> = { info: 0, warning: 1, error: 2 };
