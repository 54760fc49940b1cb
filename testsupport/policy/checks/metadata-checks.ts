import { chartOfTemplate } from '../chart-source.ts';
import { mapsAt, textAt } from '../json-access.ts';
import type { FindingDraft, PolicyCheck } from '../policy-check.ts';
import { findingAt, isWellFormed, labelsOf } from '../policy-context.ts';
import { removedApi } from '../removed-apis.ts';

export const manifestWellFormed: PolicyCheck = {
  id: 'manifest-well-formed',
  severity: 'error',
  rule: 'Every rendered document is a Kubernetes object: apiVersion, kind and metadata.name.',
  section: 'Defining and building cloud native application suites > Metadata',
  needs: ['render'],
  run(context) {
    // A document helm itself cannot read as YAML (HelmChart keeps it apart, with its template).
    const broken = context.brokenDocuments.map((doc) => ({
      object: { kind: doc.kind ?? '(not YAML)', name: doc.name ?? '(unknown)' },
      template: doc.template,
      message: `a rendered document is not valid YAML${doc.line === undefined ? '' : ` (line ${doc.line})`}: ${doc.message}`,
      fix: `fix the YAML that ${doc.template} renders (\`helm template --debug\` prints it)`,
    }));
    return context.documents
      .filter((object) => !isWellFormed(object))
      .map((object) => {
        const missing = [
          typeof object.object.apiVersion === 'string' ? undefined : 'apiVersion',
          object.kind ? undefined : 'kind',
          object.name ? undefined : 'metadata.name',
        ].filter(Boolean);
        const where = object.item === undefined ? '' : ` (item ${object.item} of a List)`;
        if (Object.keys(object.object).length === 0) {
          return findingAt(
            object,
            'a rendered document is not a map (a list or a plain value)',
            'make the template render Kubernetes objects only',
          );
        }
        return findingAt(
          object,
          `a rendered document${where} has no ${missing.join(', ')}; keys: ${Object.keys(object.object).slice(0, 6).join(', ') || '(none)'}`,
          'make the template render a complete object (check indentation and `{{- if }}` blocks), or render nothing',
        );
      })
      .concat(broken);
  },
};

const requiredLabels = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/managed-by',
  'helm.sh/chart',
] as const;

export const labelsStandard: PolicyCheck = {
  id: 'labels-standard',
  severity: 'error',
  rule: 'Every object has app.kubernetes.io/name, app.kubernetes.io/instance (the release), app.kubernetes.io/managed-by (Helm) and helm.sh/chart (<chart>-<version>).',
  section: 'Templating the Application > Metadata with Helm; Name and Labels',
  needs: ['render'],
  run(context) {
    const findings: FindingDraft[] = [];
    for (const object of context.objects) {
      const labels = labelsOf(object.object);
      const problems: string[] = [];
      const missing = requiredLabels.filter((label) => !labels[label]);
      if (missing.length > 0) problems.push(`missing ${missing.join(', ')}`);
      const instance = labels['app.kubernetes.io/instance'];
      if (instance && instance !== context.releaseName) {
        problems.push(`app.kubernetes.io/instance is "${instance}", not the release name "${context.releaseName}"`);
      }
      const managedBy = labels['app.kubernetes.io/managed-by'];
      if (managedBy && managedBy.toLowerCase() !== 'helm') {
        problems.push(`app.kubernetes.io/managed-by is "${managedBy}", not "Helm" ({{ .Release.Service }})`);
      }
      const chartLabel = labels['helm.sh/chart'];
      const owner = chartOfTemplate(context.source, object.template);
      if (chartLabel && owner?.version) {
        const expected = `${owner.name}-${owner.version}`.replaceAll('+', '_');
        const truncated = expected.slice(0, 63).replace(/-+$/, '');
        if (chartLabel !== expected && chartLabel !== truncated) {
          problems.push(`helm.sh/chart is "${chartLabel}", expected "${expected}" (chart name and version)`);
        }
      } else if (chartLabel && !/-v?\d+\.\d+\.\d+/.test(chartLabel)) {
        problems.push(`helm.sh/chart is "${chartLabel}", which carries no chart version`);
      }
      if (problems.length > 0) {
        findings.push(
          findingAt(
            object,
            problems.join('; '),
            'add the standard labels to metadata.labels, e.g. {{- include "<chart>.labels" . | nindent 4 }} with helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}, app.kubernetes.io/instance: {{ .Release.Name }}, app.kubernetes.io/managed-by: {{ .Release.Service }}',
          ),
        );
      }
    }
    return findings;
  },
};

export const namespaceNotHardCoded: PolicyCheck = {
  id: 'namespace-not-hard-coded',
  severity: 'error',
  rule: 'No object names a namespace other than the release namespace (metadata.namespace, RoleBinding subjects).',
  section: 'Defining and building cloud native application suites > Namespaces',
  needs: ['render'],
  run(context) {
    const findings: FindingDraft[] = [];
    for (const object of context.objects) {
      const namespace = textAt(object.object, 'metadata', 'namespace');
      if (namespace !== undefined && namespace !== context.namespace) {
        findings.push(
          findingAt(
            object,
            `metadata.namespace is "${namespace}" although the release namespace was "${context.namespace}"`,
            'leave metadata.namespace out (or write {{ .Release.Namespace }}) so that `helm --namespace` decides',
          ),
        );
      }
      if (object.kind === 'RoleBinding' || object.kind === 'ClusterRoleBinding') {
        for (const subject of mapsAt(object.object, 'subjects')) {
          const subjectNamespace = textAt(subject, 'namespace');
          if (
            textAt(subject, 'kind') === 'ServiceAccount' &&
            subjectNamespace !== undefined &&
            subjectNamespace !== context.namespace
          ) {
            findings.push(
              findingAt(
                object,
                `subject ServiceAccount "${textAt(subject, 'name')}" is in namespace "${subjectNamespace}", not the release namespace "${context.namespace}"`,
                'write `namespace: {{ .Release.Namespace }}` in the subject',
              ),
            );
          }
        }
      }
    }
    return findings;
  },
};

export const nameContainsRelease: PolicyCheck = {
  id: 'name-contains-release',
  severity: 'error',
  rule: 'Every object name contains the release name, so two releases can share a namespace.',
  section: 'Defining and building cloud native application suites > Name and Labels',
  needs: ['render'],
  run(context) {
    return context.objects
      .filter((object) => object.kind !== 'CustomResourceDefinition' && !object.name.includes(context.releaseName))
      .map((object) =>
        findingAt(
          object,
          `name "${object.name}" does not contain the release name "${context.releaseName}": a second release in the same namespace would collide`,
          'build the name from the release, e.g. {{ include "<chart>.fullname" . }} or <component>-{{ .Release.Name }}',
        ),
      );
  },
};

export const apiVersionCurrent: PolicyCheck = {
  id: 'api-version-current',
  severity: 'error',
  rule: 'No object uses an API version that current Kubernetes has removed (extensions/v1beta1, rbac v1beta1, ...).',
  section: 'Defining and building cloud native application suites > Metadata (apiVersion)',
  needs: ['render'],
  run(context) {
    return context.objects.flatMap((object) => {
      const apiVersion = textAt(object.object, 'apiVersion') ?? '';
      const removal = removedApi(apiVersion, object.kind);
      return removal
        ? [
            findingAt(
              object,
              `${object.kind} uses ${apiVersion}, removed in Kubernetes ${removal.removedIn}`,
              `use ${removal.replacement}`,
            ),
          ]
        : [];
    });
  },
};

export const templateFileYaml: PolicyCheck = {
  id: 'template-file-yaml',
  severity: 'info',
  rule: 'Templates that render objects are .yaml files; expressions and macros live in _*.tpl files.',
  section: 'Templating the Application > Defining resources',
  needs: ['render'],
  run(context) {
    const seen = new Set<string>();
    const findings: FindingDraft[] = [];
    for (const object of context.documents) {
      if (/\.ya?ml$/.test(object.template) || seen.has(object.template)) continue;
      seen.add(object.template);
      findings.push(
        findingAt(
          object,
          `template ${object.template} renders objects but is not a .yaml file`,
          'rename it to .yaml, or move its macros into a _helpers.tpl',
        ),
      );
    }
    return findings;
  },
};

export const metadataChecks: readonly PolicyCheck[] = [
  manifestWellFormed,
  labelsStandard,
  namespaceNotHardCoded,
  nameContainsRelease,
  apiVersionCurrent,
  templateFileYaml,
];
