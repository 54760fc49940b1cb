import { isScalar, isMap as isYamlMap, parseDocument } from 'yaml';
import { isMap } from '../json-access.ts';
import type { FindingDraft, PolicyCheck } from '../policy-check.ts';
import type { PolicyContext } from '../policy-context.ts';

const section = 'Managing configuration';

// Maps whose keys are data (label keys, env names, file names, app settings), not chart parameters.
const freeForm =
  /(annotations|labels|selector|matchlabels|^data$|stringdata|env|environment|vars|variables|config|configuration|files|secrets?|settings|properties|parameters|args)$/i;

function valuesFile(context: PolicyContext): string {
  return `${context.source.name}/values.yaml`;
}

/** Visits every entry of values.yaml, not descending into free-form maps. */
function walk(value: unknown, path: string[], visit: (key: string, value: unknown, path: string[]) => void): void {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) walk(item, [...path, `[${index}]`], visit);
    return;
  }
  if (!isMap(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const childPath = [...path, key];
    visit(key, child, childPath);
    if (!freeForm.test(key)) walk(child, childPath, visit);
  }
}

const dotted = (path: string[]): string => path.join('.').replaceAll('.[', '[');

export const valuesKeyCase: PolicyCheck = {
  id: 'values-key-case',
  severity: 'error',
  rule: 'values.yaml keys are camelCase or lowercase, never hyphenated (subchart keys excepted).',
  section,
  needs: [],
  run(context) {
    const findings: FindingDraft[] = [];
    const { subchartKeys, values, valuesError } = context.source;
    if (valuesError) {
      findings.push({
        template: valuesFile(context),
        message: `values.yaml cannot be read: ${valuesError}`,
        fix: 'fix the YAML of values.yaml',
      });
    }
    for (const [key, child] of Object.entries(values)) {
      if (subchartKeys.has(key)) continue;
      check(key, [key]);
      if (!freeForm.test(key)) walk(child, [key], (childKey, _value, path) => check(childKey, path));
    }
    return findings;

    function check(key: string, path: string[]): void {
      // Keys with dots or slashes are label keys or file names that a chart passes through.
      if (/[./]/.test(key) || /^[a-z][a-zA-Z0-9]*$/.test(key)) return;
      const camel = key
        .replace(/[-_\s]+([a-zA-Z0-9])/g, (_m, c: string) => c.toUpperCase())
        .replace(/^[A-Z]/, (c) => c.toLowerCase());
      findings.push({
        template: valuesFile(context),
        message: `values key ${dotted(path)} is not camelCase or lowercase${key.includes('-') ? ' (hyphens also break `.Values.a-b` in templates)' : ''}`,
        fix: `rename it to "${camel}" in values.yaml and in the templates that read it`,
      });
    }
  },
};

export const valuesTypedBooleans: PolicyCheck = {
  id: 'values-typed-booleans',
  severity: 'error',
  rule: 'values.yaml writes booleans as booleans (enabled: false), never as strings ("false").',
  section,
  needs: [],
  run(context) {
    const findings: FindingDraft[] = [];
    walk(context.source.values, [], (_key, value, path) => {
      if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) {
        findings.push({
          template: valuesFile(context),
          message: `values key ${dotted(path)} is the string "${value}", not a boolean`,
          fix: `write ${dotted(path).split('.').pop()}: ${value.trim().toLowerCase()} without quotes (templates then test it with {{ if }} directly)`,
        });
      }
    });
    return findings;
  },
};

export const valuesDocumented: PolicyCheck = {
  id: 'values-documented',
  severity: 'info',
  rule: 'Every top-level key of values.yaml has a comment saying what it is for.',
  section,
  needs: [],
  run(context) {
    const text = context.source.valuesText;
    if (!text) return [];
    const document = parseDocument(text);
    if (!isYamlMap(document.contents)) return [];
    const undocumented: string[] = [];
    document.contents.items.forEach((pair, index) => {
      const key = isScalar(pair.key) ? pair.key : undefined;
      const value = pair.value as { comment?: string | null; commentBefore?: string | null } | null;
      const documented =
        Boolean(key?.commentBefore) ||
        Boolean(value?.comment) ||
        Boolean(value && 'commentBefore' in value && value.commentBefore) ||
        (index === 0 && Boolean(document.commentBefore || document.contents?.commentBefore));
      if (!documented) undocumented.push(String(key?.value ?? pair.key));
    });
    return undocumented.length === 0
      ? []
      : [
          {
            template: valuesFile(context),
            message: `top-level value(s) without a comment: ${undocumented.join(', ')}`,
            fix: 'add a # comment above each saying what it controls',
          },
        ];
  },
};

export const valuesChecks: readonly PolicyCheck[] = [valuesKeyCase, valuesTypedBooleans, valuesDocumented];
