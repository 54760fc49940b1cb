import type { FindingDraft, PolicyCheck } from '../policy-check.ts';
import type { PolicyContext } from '../policy-context.ts';

const section = 'Templating the Application > Helm Best Practices';

// SemVer 2.0.0, as semver.org gives it.
const semver =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

function chartFile(context: PolicyContext, message: string, fix: string): FindingDraft {
  return { template: `${context.source.name}/Chart.yaml`, message, fix };
}

export const chartName: PolicyCheck = {
  id: 'chart-name',
  severity: 'error',
  rule: 'The chart name is lowercase and hyphenated, and equal to the name of its folder.',
  section,
  needs: [],
  run(context) {
    const { chartYaml, chartYamlError, folderName } = context.source;
    if (chartYamlError) {
      return [
        chartFile(
          context,
          `Chart.yaml cannot be read: ${chartYamlError}`,
          'fix the YAML of Chart.yaml (`helm lint` shows where)',
        ),
      ];
    }
    const name = chartYaml?.name;
    if (typeof name !== 'string' || name === '') {
      return [chartFile(context, 'Chart.yaml has no name', `add \`name: ${folderName}\` to Chart.yaml`)];
    }
    const findings: FindingDraft[] = [];
    if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(name)) {
      findings.push(
        chartFile(
          context,
          `chart name "${name}" is not lowercase-hyphenated (lowercase letters and digits, words joined by "-")`,
          `rename the chart to "${name
            .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
            .toLowerCase()
            .replace(/[^a-z0-9]+/g, '-')
            .replace(/^-|-$/g, '')}" (Chart.yaml and folder)`,
        ),
      );
    }
    if (name !== folderName) {
      findings.push(
        chartFile(
          context,
          `chart name "${name}" differs from its folder "${folderName}"`,
          `rename the folder to "${name}" or set \`name: ${folderName}\` in Chart.yaml`,
        ),
      );
    }
    return findings;
  },
};

export const chartVersionSemver: PolicyCheck = {
  id: 'chart-version-semver',
  severity: 'error',
  rule: 'The chart version is a SemVer 2 version written as a string (MAJOR.MINOR.PATCH).',
  section,
  needs: [],
  run(context) {
    const version = context.source.chartYaml?.version;
    if (version === undefined || version === null || version === '') {
      return [chartFile(context, 'Chart.yaml has no version', 'add `version: 0.1.0` to Chart.yaml')];
    }
    if (typeof version !== 'string') {
      return [
        chartFile(
          context,
          `chart version ${String(version)} is a YAML ${typeof version}, not a string`,
          `write a full SemVer version, e.g. \`version: ${String(version).split('.').concat(['0', '0']).slice(0, 3).join('.')}\``,
        ),
      ];
    }
    return semver.test(version)
      ? []
      : [
          chartFile(
            context,
            `chart version "${version}" is not SemVer 2 (MAJOR.MINOR.PATCH[-pre][+build])`,
            'use a version like 1.2.3',
          ),
        ];
  },
};

const requiredFields = ['name', 'version', 'description', 'home', 'maintainers', 'sources'] as const;

export const chartRequiredFields: PolicyCheck = {
  id: 'chart-required-fields',
  severity: 'error',
  rule: 'Chart.yaml has name, version, description, home, maintainers and sources.',
  section,
  needs: [],
  run(context) {
    const chartYaml = context.source.chartYaml ?? {};
    const missing = requiredFields.filter((field) => {
      const value = chartYaml[field];
      if (Array.isArray(value)) return value.length === 0;
      return value === undefined || value === null || String(value).trim() === '';
    });
    const findings = missing.map((field) =>
      chartFile(context, `Chart.yaml has no ${field}`, `add \`${field}:\` to Chart.yaml (${fieldHint[field]})`),
    );
    const maintainers = chartYaml.maintainers;
    if (Array.isArray(maintainers)) {
      maintainers.forEach((maintainer, index) => {
        const name =
          maintainer && typeof maintainer === 'object' ? (maintainer as Record<string, unknown>).name : undefined;
        if (typeof name !== 'string' || name.trim() === '') {
          findings.push(
            chartFile(context, `maintainers[${index}] has no name`, 'give every maintainer a name (and an email)'),
          );
        }
      });
    }
    return findings;
  },
};

const fieldHint: Record<(typeof requiredFields)[number], string> = {
  name: 'the folder name',
  version: 'a SemVer version, e.g. 0.1.0',
  description: 'one sentence on what the chart deploys',
  home: "the project's home page URL",
  maintainers: 'a list of { name, email }',
  sources: "a list of URLs of the chart's source",
};

export const chartApiV2: PolicyCheck = {
  id: 'chart-api-v2',
  severity: 'warning',
  rule: 'Chart.yaml declares apiVersion v2 (a Helm 3 chart).',
  section: 'Templating the Application > Helm Best Practices (Helm 2 vs Helm 3)',
  needs: [],
  run(context) {
    const apiVersion = context.source.chartYaml?.apiVersion;
    return apiVersion === 'v2'
      ? []
      : [
          chartFile(
            context,
            apiVersion === undefined
              ? 'Chart.yaml has no apiVersion'
              : `Chart.yaml has apiVersion ${String(apiVersion)}`,
            'set `apiVersion: v2` (and move requirements.yaml dependencies into Chart.yaml)',
          ),
        ];
  },
};

export const helmLint: PolicyCheck = {
  id: 'helm-lint',
  severity: 'error',
  rule: '`helm lint` reports no errors for the chart (with the values of the test).',
  section,
  needs: ['lint'],
  run(context) {
    return context.lint
      .filter((message) => message.severity === 'ERROR')
      .map((message) => ({
        // helm names a file of the chart ("templates/x.yaml"), or the chart directory itself by its absolute path.
        template:
          message.path && !message.path.startsWith('/')
            ? `${context.source.name}/${message.path}`.replace(/\/$/, '')
            : context.source.name,
        message: `helm lint: ${message.path ? `${message.path}: ` : ''}${message.text}`,
        fix: `fix what helm lint reports (\`helm lint ${context.source.shownAs}\`)`,
      }));
  },
};

export const chartChecks: readonly PolicyCheck[] = [
  chartName,
  chartVersionSemver,
  chartRequiredFields,
  chartApiV2,
  helmLint,
];
