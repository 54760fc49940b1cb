// Readiness of custom resources, against a real operator (charts/widget-operator: CRDs Widget, Gadget, Gizmo and a
// controller that reconciles Widgets and Gadgets into Deployments and writes their status) on the local cluster.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { ChartDeployment } from '../../testsupport/cluster/chart-deployment.ts';
import { ChartNotReadyError } from '../../testsupport/cluster/chart-not-ready-error.ts';
import { leftoverOfLabel } from '../../testsupport/cluster/cluster-leftovers.ts';
import { readConfigFile } from '../../testsupport/config/config-file.ts';
import { loadOptions, type RunOptions } from '../../testsupport/config/options.ts';
import { ConfigError } from '../../testsupport/errors.ts';
import { mark } from '../../testsupport/index.ts';
import { kubeClients } from '../../testsupport/kube/kube-clients.ts';
import { WaitTimeoutError } from '../../testsupport/kube/wait-until.ts';
import { fixtureChart, projectRoot } from './fixtures.ts';

const operatorChart = path.join(projectRoot, 'charts', 'widget-operator');
const widgetsChart = fixtureChart('widgets');
const gadgetRule = {
  kind: 'Gadget',
  group: 'ct.example.org',
  ready: "$.status.state == 'Running'",
  failed: "$.status.state == 'Error'",
} as const;

let operator: ChartDeployment | undefined;

async function customResource(kind: string, name: string, namespace: string): Promise<KubernetesObject> {
  return kubeClients().objects.read({ apiVersion: 'ct.example.org/v1', kind, metadata: { name, namespace } });
}

/** Installs the widgets chart expecting it to fail; returns the error (anything else is rethrown) and the seconds. */
async function installFailure(
  values: Record<string, unknown>,
  more: Parameters<typeof ChartDeployment.install>[1] = {},
): Promise<{ error: Error; seconds: number }> {
  const started = performance.now();
  try {
    const app = await ChartDeployment.install(widgetsChart, { values, timeout: 120_000, ...more });
    await app.uninstall();
  } catch (error) {
    return { error: error as Error, seconds: (performance.now() - started) / 1000 };
  }
  throw new Error('the widgets chart became ready, which it never should');
}

mark('chart_deploy').describe('readiness of custom resources reconciled by a real operator', () => {
  beforeAll(async () => {
    operator = await ChartDeployment.install(operatorChart, { timeout: 180_000 });
  }, 240_000);

  afterAll(async () => {
    await operator?.uninstall();
  }, 120_000);

  test("the operator's CRDs (helm never deletes crds/) are recorded as leftovers of a job namespace", async () => {
    const crd = await kubeClients().objects.read({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.ct.example.org' },
    });
    // ours unless a run in another namespace created it first (then that namespace's clean-up removes it)
    expect(crd.metadata?.labels?.[leftoverOfLabel]).toMatch(/^[a-z0-9-]+$/);
  });

  test('a Widget is ready when its controller says so by the conventions (observedGeneration, Ready=True)', async () => {
    await using app = await ChartDeployment.install(widgetsChart, {
      values: { widgets: [{ name: 'w-ok', replicas: 1 }] },
      timeout: 120_000,
    });
    const widget = (await customResource('Widget', 'w-ok', app.namespace)) as KubernetesObject & {
      status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] };
    };
    expect(widget.status?.observedGeneration).toBe(widget.metadata?.generation);
    expect(widget.status?.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'True' }));
    // the wait ended only once the controller's own Deployment was available
    const deployment: V1Deployment = await kubeClients().apps.readNamespacedDeployment({
      name: 'widget-w-ok',
      namespace: app.namespace,
    });
    expect(deployment.status?.availableReplicas).toBe(1);
  }, 180_000);

  test("after an upgrade, a Widget's old Ready=True does not count until the controller observed the new generation", async () => {
    await using app = await ChartDeployment.install(widgetsChart, {
      values: { widgets: [{ name: 'w-grow', replicas: 1 }] },
      timeout: 120_000,
    });
    await app.upgrade({ values: { widgets: [{ name: 'w-grow', replicas: 2 }] }, timeout: 120_000 });
    const widget = (await customResource('Widget', 'w-grow', app.namespace)) as KubernetesObject & {
      status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] };
    };
    expect(widget.metadata?.generation).toBe(2);
    expect(widget.status?.observedGeneration).toBe(2);
    expect(widget.status?.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'True' }));
    const deployment = await kubeClients().apps.readNamespacedDeployment({
      name: 'widget-w-grow',
      namespace: app.namespace,
    });
    expect(deployment.status?.availableReplicas).toBe(2);
  }, 240_000);

  test('a Gadget (status.state only) is ready by a JSONPath rule from chart-testware.json', async () => {
    // a project's chart-testware.json, read by the same parser the runner uses
    const project = mkdtempSync(path.join(os.tmpdir(), 'widgets-config-'));
    writeFileSync(path.join(project, 'chart-testware.json'), JSON.stringify({ readiness: [gadgetRule] }));
    const options: RunOptions = { ...loadOptions(), readiness: readConfigFile(project).readiness };
    await using app = await ChartDeployment.install(widgetsChart, {
      values: { gadgets: [{ name: 'g-ok' }] },
      timeout: 120_000,
      options,
    });
    const gadget = (await customResource('Gadget', 'g-ok', app.namespace)) as { status?: { state?: string } };
    expect(gadget.status?.state).toBe('Running');
    const deployment = await kubeClients().apps.readNamespacedDeployment({
      name: 'gadget-g-ok',
      namespace: app.namespace,
    });
    expect(deployment.status?.availableReplicas).toBe(1);
  }, 180_000);

  test("a Widget its controller reports Stalled fails fast with the controller's message", async () => {
    const { error, seconds } = await installFailure({
      widgets: [{ name: 'w-bad', fail: 'shelf 3 is out of widgets' }],
    });
    if (!(error instanceof ChartNotReadyError)) throw error;
    expect(error.reason).toBe('ResourceFailed');
    expect(error.message).toMatch(/^Widget \S+\/w-bad cannot become ready: ResourceFailed/);
    expect(error.message).toContain('condition Stalled is True: ReconcileFailed: shelf 3 is out of widgets');
    // the controller answers within seconds; the wait's timeout is 120 s
    expect(seconds).toBeLessThan(60);
  }, 180_000);

  test("a Gadget fails fast by a per-call rule's failed predicate, with the controller's status.message", async () => {
    const { error, seconds } = await installFailure(
      { gadgets: [{ name: 'g-bad', fail: 'no such device: sys/tg_test/1' }] },
      { readiness: [gadgetRule] },
    );
    if (!(error instanceof ChartNotReadyError)) throw error;
    expect(error.reason).toBe('ResourceFailed');
    expect(error.message).toContain("$.status.state == 'Error' holds (readiness[0] of the call)");
    expect(error.message).toContain('no such device: sys/tg_test/1');
    expect(seconds).toBeLessThan(60);
  }, 180_000);

  test('resources without a readiness signal are named in a progress line and the timeout error, within the timeout', async () => {
    const lines: string[] = [];
    const base = loadOptions();
    const options: RunOptions = {
      ...base,
      timeouts: { ...base.timeouts, noReadinessSignalMs: 2_000 },
    };
    const started = performance.now();
    const { error } = await installFailure(
      { gizmos: [{ name: 'z-silent' }], gadgets: [{ name: 'g-norule' }] },
      { timeout: 20_000, options, progress: (line) => lines.push(line) },
    );
    const seconds = (performance.now() - started) / 1000;
    if (!(error instanceof WaitTimeoutError)) throw error;
    expect(error.message).toMatch(
      /Gizmo \S+\/z-silent: no readiness signal \(no status yet\): add a rule for kind Gizmo group ct\.example\.org or ignore it/,
    );
    // a status without conventions (state only) is no signal either: the controller's answer is shown for the rule
    expect(error.message).toMatch(/Gadget \S+\/g-norule: no readiness signal \((no status yet|status \{)/);
    expect(lines.some((line) => /Gizmo \S+\/z-silent: no readiness signal .* \(for \d+ s now\)/.test(line))).toBe(true);
    // helm (20 s at most) plus the 20 s wait plus the clean-up, not a hang
    expect(seconds).toBeLessThan(90);
  }, 180_000);

  test('a kind ignored by a rule counts as ready at once', async () => {
    await using app = await ChartDeployment.install(widgetsChart, {
      values: { gizmos: [{ name: 'z-ignored' }] },
      timeout: 60_000,
      readiness: [{ kind: 'Gizmo', ignore: true }],
    });
    const gizmo = (await customResource('Gizmo', 'z-ignored', app.namespace)) as { status?: unknown };
    expect(gizmo.status).toBeUndefined();
  }, 120_000);

  test('a bad rule is a ConfigError naming it, before anything is installed', async () => {
    const releaseName = `widgets-badrule-${process.env.JEST_WORKER_ID ?? '0'}`;
    const attempt = ChartDeployment.install(widgetsChart, {
      releaseName,
      values: { gizmos: [{ name: 'z-never' }] },
      readiness: [{ kind: 'Gizmo', ready: "$.status.state = 'Running'" }],
    });
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(attempt).rejects.toThrow(
      /readiness\[0\]\.ready "\$\.status\.state = 'Running'" is not a JSONPath predicate: use "==" to compare/,
    );
    const secrets = await kubeClients().core.listNamespacedSecret({
      namespace: operator?.namespace ?? 'default',
      labelSelector: `owner=helm,name=${releaseName}`,
    });
    expect(secrets.items).toEqual([]);
  });
});
