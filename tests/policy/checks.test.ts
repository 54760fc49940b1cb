// Every check of the catalogue against a good chart (passes) and a bad one (fails for the right object and template).
import { beforeAll, expect } from '@jest/globals';
import { mark } from '../../testsupport/index.ts';
import { policyCatalogue } from '../../testsupport/policy/catalogue.ts';
import {
  type CheckResult,
  evaluateChartPolicy,
  type PolicyReport,
} from '../../testsupport/policy/policy-evaluation.ts';
import { fixtureChart } from './policy-fixtures.ts';

/** Where each check's bad case is: chart, the object (Kind/<release>-<check-id> unless given) and template. */
interface BadCase {
  chart: 'bad-objects' | 'bad-chart-meta' | 'bad-lint';
  /** "Kind/name", with <r> for the release name; undefined for chart-level findings. */
  object?: string;
  template: string;
  /** A word the message must contain. */
  says: string;
}

const objectCase =
  (kind: string, template: string, says: string, name?: string): ((id: string) => BadCase) =>
  (id) => ({
    chart: 'bad-objects',
    object: `${kind}/${name ?? `<r>-${id}`}`,
    template: `bad-objects/templates/${template}`,
    says,
  });
const chartCase =
  (chart: BadCase['chart'], file: string, says: string): (() => BadCase) =>
  () => ({
    chart,
    template: `${chart === 'bad-chart-meta' ? 'BadChart' : chart}/${file}`,
    says,
  });

const badCases: Record<string, (id: string) => BadCase> = {
  'chart-name': chartCase('bad-chart-meta', 'Chart.yaml', 'BadChart'),
  'chart-version-semver': chartCase('bad-chart-meta', 'Chart.yaml', '"1.0"'),
  'chart-required-fields': chartCase('bad-chart-meta', 'Chart.yaml', 'home'),
  'chart-api-v2': chartCase('bad-chart-meta', 'Chart.yaml', 'v1'),
  'helm-lint': chartCase('bad-lint', 'Chart.yaml', 'apiVersion is required'),
  'values-key-case': chartCase('bad-chart-meta', 'values.yaml', 'log-level'),
  'values-typed-booleans': chartCase('bad-chart-meta', 'values.yaml', 'debug'),
  'values-documented': chartCase('bad-chart-meta', 'values.yaml', 'metrics'),
  'manifest-well-formed': objectCase('(no kind)', 'malformed.yaml', 'no kind'),
  'manifest-duplicate-keys': objectCase('ConfigMap', 'duplicate-keys.yaml', 'data.mode'),
  'labels-standard': objectCase('ConfigMap', 'configmaps.yaml', 'helm.sh/chart'),
  'namespace-not-hard-coded': objectCase('ConfigMap', 'configmaps.yaml', 'kube-system'),
  'name-contains-release': objectCase('ConfigMap', 'configmaps.yaml', 'release name', 'fixed-name-contains-release'),
  'api-version-current': objectCase('PodDisruptionBudget', 'configmaps.yaml', 'policy/v1beta1'),
  'template-file-yaml': objectCase('ConfigMap', 'template-file-yaml.tpl', '.yaml'),
  'image-tag-explicit': objectCase('Deployment', 'images.yaml', 'latest'),
  'image-tag-stable': objectCase('Deployment', 'images.yaml', 'stable'),
  'image-pull-policy-set': objectCase('Deployment', 'images.yaml', 'imagePullPolicy'),
  'image-parameterised': objectCase('Deployment', 'images.yaml', 'registry, image, tag'),
  'container-resources': objectCase('Deployment', 'containers.yaml', 'limits.cpu'),
  'container-probes': objectCase('Deployment', 'containers.yaml', 'livenessProbe'),
  'service-type-clusterip': objectCase('Service', 'services.yaml', 'NodePort'),
  'service-type-declared': objectCase('Service', 'services.yaml', 'spec.type'),
  'service-ports-qualified': objectCase('Service', 'services.yaml', 'protocol'),
  'service-target-port-named': objectCase('Service', 'services.yaml', 'port number 8080'),
  'no-node-pinning': objectCase('Deployment', 'containers.yaml', 'worker-7'),
  'service-selector-release-specific': objectCase('Service', 'services.yaml', 'release'),
  'service-selects-one-workload': objectCase('Service', 'services.yaml', 'matches no pod'),
  'workload-selector-release-specific': objectCase('Deployment', 'containers.yaml', 'release'),
  'ingress-single': objectCase('Ingress', 'services.yaml', '2 Ingresses'),
  'pv-reclaim-delete': objectCase('PersistentVolume', 'storage.yaml', 'Retain'),
  'pv-explicit-modes': objectCase('PersistentVolume', 'storage.yaml', 'volumeMode'),
  'pvc-storage-class': objectCase('PersistentVolumeClaim', 'storage.yaml', 'storageClassName'),
  'pvc-volume-name': objectCase('PersistentVolumeClaim', 'storage.yaml', 'volumeName'),
  'no-privileged': objectCase('Deployment', 'security.yaml', 'privileged'),
  'no-privilege-escalation': objectCase('Deployment', 'security.yaml', 'allowPrivilegeEscalation'),
  'no-host-namespaces': objectCase('Deployment', 'security.yaml', 'hostIPC'),
  'no-host-port': objectCase('Deployment', 'security.yaml', '8081'),
  'no-host-path': objectCase('Deployment', 'security.yaml', '/var/run'),
  'run-as-non-root': objectCase('Deployment', 'security.yaml', 'user 0'),
  'no-cluster-rbac': objectCase('ClusterRole', 'configmaps.yaml', 'ClusterRole'),
  'service-account-token': objectCase('Deployment', 'security.yaml', 'automountServiceAccountToken'),
  'read-only-root-filesystem': objectCase('Deployment', 'security.yaml', 'writable'),
  'capabilities-dropped': objectCase('Deployment', 'security.yaml', 'ALL'),
  'credentials-in-secrets': objectCase('ConfigMap', 'configmaps.yaml', 'password'),
  'network-policy-present': chartCase('bad-chart-meta', 'templates', 'NetworkPolicy'),
  'helm-test-location': objectCase(
    'Pod',
    'misplaced-test.yaml',
    'outside templates/tests',
    '<r>-helm-test-location-test',
  ),
  'helm-test-hook': objectCase('Pod', 'tests/tests.yaml', 'helm.sh/hook', '<r>-helm-test-hook-test'),
  'helm-test-restart-never': objectCase('Pod', 'tests/tests.yaml', 'OnFailure', '<r>-helm-test-restart-never-test'),
  'helm-test-name-suffix': objectCase('Pod', 'tests/tests.yaml', '-test', '<r>-helm-test-name-suffix-check'),
  'helm-tests-present': chartCase('bad-chart-meta', 'templates/tests', 'no helm test'),
};

mark('no_deploy').describe('policy checks on fixture charts', () => {
  const reports = new Map<string, PolicyReport>();
  beforeAll(async () => {
    const charts = ['good', 'bad-objects', 'bad-chart-meta', 'bad-lint'];
    const evaluated = await Promise.all(charts.map((chart) => evaluateChartPolicy(fixtureChart(chart))));
    for (const [index, chart] of charts.entries()) reports.set(chart, evaluated[index] as PolicyReport);
  }, 120_000);

  const result = (chart: string, id: string): CheckResult => {
    const found = reports.get(chart)?.results.find((candidate) => candidate.check.id === id);
    if (!found) throw new Error(`no result for ${id} on ${chart}`);
    return found;
  };

  mark('no_deploy').test('every check of the catalogue has a bad case here', () => {
    expect(Object.keys(badCases).sort()).toEqual(policyCatalogue.map((check) => check.id).sort());
  });

  mark('no_deploy').test('the good chart (subcharts, a List, a CRD, an empty template) renders without failing', () => {
    const report = reports.get('good') as PolicyReport;
    expect(report.renders.map((render) => [render.name, render.error?.message])).toEqual([
      ['default', undefined],
      ['image-values-changed', undefined],
      ['lint', undefined],
    ]);
    expect(report.failed).toBe(false);
  });

  for (const check of policyCatalogue) {
    mark('no_deploy').test(`${check.id}: passes on the good chart`, () => {
      const outcome = result('good', check.id);
      expect(outcome.findings).toEqual([]);
      expect(outcome.status).toBe('passed');
    });

    mark('no_deploy').test(`${check.id}: flags the bad case, naming its object and template`, () => {
      const bad = (badCases[check.id] as (id: string) => BadCase)(check.id);
      const report = reports.get(bad.chart) as PolicyReport;
      const outcome = result(bad.chart, check.id);
      expect(outcome.status).toBe(check.severity === 'error' ? 'failed' : 'reported');
      expect(outcome.findings.length).toBeGreaterThan(0);
      for (const finding of outcome.findings) {
        // Only the object built to break this check is flagged: the others break other checks, or none.
        const object = finding.object ? `${finding.object.kind}/${finding.object.name}` : undefined;
        expect(object).toBe(bad.object?.replace('<r>', report.releaseName));
        expect(finding.template).toBe(bad.template);
        expect(finding.check).toBe(check.id);
        expect(finding.severity).toBe(check.severity);
        expect(finding.fix.length).toBeGreaterThan(10);
      }
      expect(outcome.findings.map((finding) => finding.message).join('\n')).toContain(bad.says);
    });
  }
});
