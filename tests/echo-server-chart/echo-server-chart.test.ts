// no_deploy tests of the echo-server chart: rendered with helm, no cluster needed.
import { readFile } from 'node:fs/promises';
import { beforeAll, expect, test } from '@jest/globals';
import { LabelSelector } from '../../testsupport/api/helm.ts';
import { ChartRenderError, HelmChart, HelmTestAdaptor, mark } from '../../testsupport/index.ts';

const chartDir = 'charts/echo-server';

mark('no_deploy').describe('echo-server chart', () => {
  let chart: HelmChart;
  beforeAll(async () => {
    chart = await HelmChart.render(chartDir, { releaseName: 'test', namespace: 'ci' });
  });

  test('every object carries the standard labels', () => {
    for (const { object, template } of chart.documents) {
      expect({ template, labels: object.metadata?.labels }).toMatchObject({
        template,
        labels: {
          'app.kubernetes.io/name': 'test-echo-server',
          'app.kubernetes.io/instance': 'test',
          'app.kubernetes.io/managed-by': 'Helm',
          'app.kubernetes.io/part-of': 'chart-testware',
          'app.kubernetes.io/version': chart.metadata.appVersion,
          'helm.sh/chart': `echo-server-${chart.metadata.version}`,
        },
      });
    }
  });

  test('every object is named after the release and sets no namespace', () => {
    for (const { object } of chart.documents) {
      expect(object.metadata?.name).toMatch(/^test-echo-server(-|$)/);
      expect(object.metadata?.namespace).toBeUndefined();
    }
  });

  test('the image is registry/image:tag from the values, the tag defaulting to appVersion', async () => {
    const [container] = chart.get('Deployment').spec?.template.spec?.containers ?? [];
    expect(container?.image).toBe(`chart-testware.local/echo-server:${chart.metadata.appVersion}`);
    expect(container?.imagePullPolicy).toBe('IfNotPresent');

    const custom = await HelmChart.render(chartDir, {
      values: { image: { registry: 'registry.example:5000', image: 'team/echo', tag: '2.0.1', pullPolicy: 'Always' } },
    });
    expect(custom.jsonPath('$..containers[*].image')).toEqual([
      'registry.example:5000/team/echo:2.0.1',
      'registry.example:5000/team/echo:2.0.1',
      'registry.example:5000/team/echo:2.0.1',
    ]);
    expect(custom.jsonPath('$..containers[*].imagePullPolicy')).toEqual(['Always', 'Always', 'Always']);
  });

  test('the default image is the one the project builds (images/echo-server/image.conf)', async () => {
    const conf = await readFile('images/echo-server/image.conf', 'utf8');
    const tag = /^TAG=(.+)$/m.exec(conf)?.[1]?.trim();
    expect(chart.metadata.appVersion).toBe(tag);
  });

  test('every container has requests, limits and runs locked down', () => {
    const pods = [
      ...chart.ofKind('Deployment').map((deployment) => deployment.spec?.template.spec),
      ...chart.ofKind('Pod').map((pod) => pod.spec),
    ];
    expect(pods).toHaveLength(3);
    for (const pod of pods) {
      expect(pod?.automountServiceAccountToken).toBe(false);
      expect(pod?.securityContext?.runAsNonRoot).toBe(true);
      for (const container of pod?.containers ?? []) {
        expect(Object.keys(container.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
        expect(Object.keys(container.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
        expect(container.securityContext).toMatchObject({
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
      }
    }
  });

  test('the server has liveness and readiness probes on /healthz', () => {
    const [container] = chart.get('Deployment').spec?.template.spec?.containers ?? [];
    expect(container?.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container?.readinessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
  });

  test('the ClusterIP service targets the named container port and selects only server pods', () => {
    const service = chart.get('Service', 'test-echo-server');
    expect(service.spec?.type).toBe('ClusterIP');
    expect(service.spec?.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);

    const deployment = chart.get('Deployment');
    const ports = deployment.spec?.template.spec?.containers[0]?.ports ?? [];
    expect(ports).toContainEqual({ name: 'http', containerPort: 8080, protocol: 'TCP' });
    // The selector must pick the server's pods and never the helm test pods.
    const selector = LabelSelector.parse(service.spec?.selector ?? {});
    expect(selector.matches(deployment.spec?.template.metadata?.labels)).toBe(true);
    expect(chart.ofKind('Pod').filter((pod) => selector.matches(pod.metadata?.labels))).toEqual([]);
    expect(deployment.spec?.selector.matchLabels).toEqual(service.spec?.selector);
  });

  test('the server port and log format come from the values through the ConfigMap', async () => {
    const custom = await HelmChart.render(chartDir, { values: { server: { port: 9090, logFormat: 'text' } } });
    expect(custom.get('ConfigMap').data).toEqual({ PORT: '9090', LOG_FORMAT: 'text' });
    expect(custom.jsonPath('$..containers[0].ports[0].containerPort', { kind: 'Deployment' })).toEqual([9090]);
  });

  test('the ServiceAccount mounts no token', () => {
    expect(chart.get('ServiceAccount').automountServiceAccountToken).toBe(false);
    expect(chart.get('Deployment').spec?.template.spec?.serviceAccountName).toBe('test-echo-server');
  });

  test('ingress, autoscaling and the disruption budget are off by default: their templates render empty', () => {
    expect(chart.emptyTemplates.sort()).toEqual([
      'echo-server/templates/hpa.yaml',
      'echo-server/templates/ingress.yaml',
      'echo-server/templates/pdb.yaml',
    ]);
  });

  test('switched on, they render and autoscaling takes over the replica count', async () => {
    const full = await HelmChart.render(chartDir, {
      releaseName: 'test',
      values: {
        ingress: { enabled: true, className: 'nginx' },
        autoscaling: { enabled: true, maxReplicas: 3 },
        podDisruptionBudget: { enabled: true },
      },
    });
    expect(full.emptyTemplates).toEqual([]);
    expect(full.get('Ingress').spec?.rules?.[0]?.http?.paths[0]?.backend.service).toEqual({
      name: 'test-echo-server',
      port: { name: 'http' },
    });
    expect(full.get('HorizontalPodAutoscaler').spec).toMatchObject({
      maxReplicas: 3,
      scaleTargetRef: { kind: 'Deployment', name: 'test-echo-server' },
    });
    expect(full.get('PodDisruptionBudget').spec?.selector?.matchLabels).toEqual(
      full.get('Deployment').spec?.selector.matchLabels,
    );
    expect(full.get('Deployment').spec?.replicas).toBeUndefined();
  });

  test('the network policy admits only the server port', () => {
    const policy = chart.get('NetworkPolicy');
    expect(policy.spec?.podSelector?.matchLabels).toEqual(chart.get('Deployment').spec?.selector.matchLabels);
    expect(policy.spec?.ingress).toEqual([{ from: [{ podSelector: {} }], ports: [{ port: 'http', protocol: 'TCP' }] }]);
  });

  test('helm tests check /healthz and /echo through the Service', () => {
    const tests = chart
      .fromTemplate('templates/tests/test-healthz.yaml')
      .concat(chart.fromTemplate('templates/tests/test-echo.yaml'));
    expect(tests.map((doc) => doc.object.metadata?.annotations?.['helm.sh/hook'])).toEqual(['test', 'test']);
    expect(chart.jsonPath('$.spec.containers[0].env[?(@.name=="URL")].value', { kind: 'Pod' })).toEqual([
      'http://test-echo-server.ci.svc:80/echo',
      'http://test-echo-server.ci.svc:80/healthz',
    ]);
  });

  test('a change of settings rolls the pods (config checksum annotation)', async () => {
    const other = await HelmChart.render(chartDir, {
      releaseName: 'test',
      namespace: 'ci',
      values: { server: { logFormat: 'text' } },
    });
    const checksum = (c: HelmChart) => c.get('Deployment').spec?.template.metadata?.annotations?.['checksum/config'];
    expect(checksum(chart)).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum(other)).not.toBe(checksum(chart));
  });

  test('values of the wrong type are refused by values.schema.json', async () => {
    const error = await HelmChart.render(chartDir, { values: { replicaCount: 'two' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChartRenderError);
    expect((error as ChartRenderError).message).toMatch(
      /values \(they do not match values.schema.json\)[\s\S]*replicaCount/,
    );
  });

  test('passes helm lint --strict', async () => {
    const helm = await HelmTestAdaptor.create();
    const lint = await helm.lint(chartDir, { strict: true });
    expect(lint.messages.filter((message) => message.severity !== 'INFO')).toEqual([]);
  });

  test('renders as the committed snapshot', () => {
    expect(chart.toSnapshot()).toMatchSnapshot();
  });
});
