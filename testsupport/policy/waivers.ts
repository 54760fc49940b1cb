import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { didYouMean } from '../config/did-you-mean.ts';
import { isMap } from './json-access.ts';
import type { Finding } from './policy-check.ts';
import { PolicyInputError } from './policy-errors.ts';

/** The file next to Chart.yaml that holds a chart's waivers. */
export const waiversFileName = 'chart-policy-waivers.yaml';

/** Waives the findings of one check, optionally only for some objects or templates; the reason is mandatory. */
export interface Waiver {
  readonly check: string;
  /** Glob on "Kind/name" (or on the name alone when it has no "/"); `*` matches anything. */
  readonly object?: string | undefined;
  /** Glob on the template path, with or without the chart-name prefix ("templates/db.yaml"). */
  readonly template?: string | undefined;
  readonly reason: string;
  /** Where the waiver was written: the waivers file, or "test call". */
  readonly source?: string | undefined;
}

export interface WaiverOutcome {
  readonly kept: Finding[];
  readonly waived: { finding: Finding; waiver: Waiver }[];
}

/** Reads <chart>/chart-policy-waivers.yaml ([] when absent); throws PolicyInputError when it is malformed. */
export function loadWaiversFile(chartDir: string, knownChecks: readonly string[]): Waiver[] {
  const file = path.join(chartDir, waiversFileName);
  if (!existsSync(file)) return [];
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PolicyInputError(`${file} is not valid YAML: ${(error as Error).message.split('\n')[0]}`, {
      hint: 'fix the YAML; the format is `waivers: [{ check, object?, template?, reason }]`',
    });
  }
  if (parsed === null || parsed === undefined) return [];
  const list = isMap(parsed) ? parsed.waivers : parsed;
  if (!Array.isArray(list)) {
    throw new PolicyInputError(`${file} has no list of waivers`, {
      hint: 'write `waivers:` followed by a list of { check, object?, template?, reason }',
    });
  }
  return validateWaivers(list, file, knownChecks);
}

/** Checks waivers given in code or read from a file; throws PolicyInputError naming every problem. */
export function validateWaivers(list: readonly unknown[], source: string, knownChecks: readonly string[]): Waiver[] {
  const problems: string[] = [];
  const waivers: Waiver[] = [];
  list.forEach((entry, index) => {
    const where = `waiver #${index + 1}`;
    if (!isMap(entry)) {
      problems.push(`${where} is not a map`);
      return;
    }
    const unknownKeys = Object.keys(entry).filter((key) => !['check', 'object', 'template', 'reason'].includes(key));
    if (unknownKeys.length > 0) problems.push(`${where} has unknown field(s) ${unknownKeys.join(', ')}`);
    const { check, object, template, reason } = entry;
    if (typeof check !== 'string' || !knownChecks.includes(check)) {
      const guess = typeof check === 'string' ? didYouMean(check, knownChecks) : '';
      problems.push(
        `${where} names ${typeof check === 'string' ? `unknown check "${check}"${guess ? ` (${guess})` : ''}` : 'no check'}`,
      );
    }
    if (typeof reason !== 'string' || reason.trim().length < 3)
      problems.push(`${where} (${String(check)}) has no reason`);
    for (const [field, value] of [
      ['object', object],
      ['template', template],
    ] as const) {
      if (value !== undefined && typeof value !== 'string')
        problems.push(`${where}: ${field} must be a string (a glob)`);
    }
    waivers.push({
      check: String(check),
      object: typeof object === 'string' ? object : undefined,
      template: typeof template === 'string' ? template : undefined,
      reason: String(reason ?? ''),
      source,
    });
  });
  if (problems.length > 0) {
    throw new PolicyInputError(`bad waivers in ${source}: ${problems.join('; ')}`, {
      hint: `each waiver is { check: <id>, object?: "Kind/name-glob", template?: "templates/x.yaml", reason: "why" }; check ids: ${[...new Set(knownChecks)].join(', ')}`,
    });
  }
  return waivers;
}

export function waiverMatches(waiver: Waiver, finding: Finding): boolean {
  if (waiver.check !== finding.check) return false;
  if (waiver.object !== undefined) {
    if (!finding.object) return false;
    const subject = waiver.object.includes('/') ? `${finding.object.kind}/${finding.object.name}` : finding.object.name;
    if (!glob(waiver.object).test(subject)) return false;
  }
  if (waiver.template !== undefined) {
    if (!finding.template) return false;
    const withoutChart = finding.template.split('/').slice(1).join('/');
    const pattern = glob(waiver.template);
    if (!pattern.test(finding.template) && !pattern.test(withoutChart)) return false;
  }
  return true;
}

export function applyWaivers(
  findings: readonly Finding[],
  waivers: readonly Waiver[],
  used: Set<Waiver>,
): WaiverOutcome {
  const kept: Finding[] = [];
  const waived: { finding: Finding; waiver: Waiver }[] = [];
  for (const finding of findings) {
    const waiver = waivers.find((candidate) => waiverMatches(candidate, finding));
    if (waiver) {
      used.add(waiver);
      waived.push({ finding, waiver });
    } else kept.push(finding);
  }
  return { kept, waived };
}

export function describeWaiver(waiver: Waiver): string {
  const scope = [waiver.object && `object ${waiver.object}`, waiver.template && `template ${waiver.template}`]
    .filter(Boolean)
    .join(', ');
  return `${waiver.check}${scope ? ` (${scope})` : ''}: "${waiver.reason}"${waiver.source ? ` [${waiver.source}]` : ''}`;
}

function glob(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}
