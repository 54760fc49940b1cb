import path from 'node:path';
import { expect, test } from '@jest/globals';
import { execa } from 'execa';
import { ChartDeployment } from '../../testsupport/cluster/chart-deployment.ts';
import { expectedContainers } from '../../testsupport/cluster/expected-containers.ts';
import { SmokeTestError, smokeCheck, smokeTest } from '../../testsupport/cluster/smoke-test.ts';
import { HelmChart } from '../../testsupport/helm/helm-chart.ts';
import { mark } from '../../testsupport/index.ts';
import { waitUntil } from '../../testsupport/kube/wait-until.ts';
import { busyboxValues, fixtureChart, projectRoot } from './fixtures.ts';

const smokeCli = path.join(projectRoot, 'testsupport', 'cli', 'smoke.ts');

mark('chart_deploy').describe('smoke test', () => {
  test('expects the containers of the rendered chart (workloads x replicas, no init/job) and finds them running', async () => {
    const values = await busyboxValues();
    await using app = await ChartDeployment.install(fixtureChart('all-kinds'), { values });
    const chart = await HelmChart.render(fixtureChart('all-kinds'), {
      releaseName: app.releaseName,
      namespace: app.namespace,
      values,
    });
    const expected = expectedContainers(chart.documents, { nodes: 1 });
    expect(expected.map((e) => `${e.workload}:${e.container}x${e.count}`).sort()).toEqual(
      [
        `DaemonSet/${app.releaseName}-agent:appx1`,
        `Deployment/${app.releaseName}-web:appx2`,
        `Pod/${app.releaseName}-solo:appx1`,
        `StatefulSet/${app.releaseName}-db:appx1`,
      ].sort(),
    );
    // the job namespace is shared with the other test files running in parallel: look at this release only
    const selector = `app.kubernetes.io/instance=${app.releaseName}`;
    const report = await smokeTest(app.namespace, expected, { timeout: 30_000, selector });
    expect(report).toMatchObject({ ok: true, running: 5, expected: 5, missing: [], waiting: [] });

    const cli = await execa(
      process.execPath,
      [smokeCli, '--namespace', app.namespace, '--release', app.releaseName, '--selector', selector, '--timeout', '30'],
      { reject: false },
    );
    expect({ exitCode: cli.exitCode, stderr: cli.stderr }).toMatchObject({ exitCode: 0 });
    expect(cli.stdout).toContain('5/5 expected containers running, none waiting');
  }, 240_000);

  test('fails at its deadline listing each waiting container and its reason', async () => {
    const values = await busyboxValues();
    await using app = await ChartDeployment.install(fixtureChart('crash-loop'), { values, wait: false });
    const chart = await HelmChart.render(fixtureChart('crash-loop'), { releaseName: app.releaseName, values });
    const started = performance.now();
    const selector = `app.kubernetes.io/instance=${app.releaseName}`;
    const error = await smokeTest(app.namespace, expectedContainers(chart.documents), {
      timeout: 15_000,
      interval: 1_000,
      selector,
    }).then(
      () => new Error('the smoke test passed on a crash-looping chart'),
      (e: unknown) => e as Error,
    );
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(SmokeTestError);
    expect(error.message).toContain(`missing: Deployment/${app.releaseName} container "quitter": 0/1 running`);
    expect(error.message).toMatch(/waiting: \S+\/quitter: (CrashLoopBackOff|Terminated Error)\b.*exit code 3/);
    expect(elapsed).toBeGreaterThanOrEqual(15_000);
    // at its deadline, not much later: a check still running then is abandoned (tests/chart-deploy/wait-until), so
    // this bound only catches a smoke test that goes on; a loaded machine fires timers late
    expect(elapsed).toBeLessThan(15_000 + 10_000);

    const cli = await execa(
      process.execPath,
      [smokeCli, '--namespace', app.namespace, '--release', app.releaseName, '--selector', selector, '--timeout', '3'],
      { reject: false },
    );
    expect(cli.exitCode).toBe(1);
    expect(cli.stderr).toMatch(/smoke test failed in namespace \S+: 0\/1 expected containers running/);
    expect(cli.stderr).toMatch(/waiting: \S+\/quitter: (CrashLoopBackOff|Terminated Error)\b.*exit code 3/);
  }, 120_000);

  test('a crash-looping init container is reported with its last exit code at every moment of its cycle', async () => {
    const values = await busyboxValues({ initCrash: true });
    await using app = await ChartDeployment.install(fixtureChart('crash-loop'), { values, wait: false });
    const chart = await HelmChart.render(fixtureChart('crash-loop'), { releaseName: app.releaseName, values });
    const expected = expectedContainers(chart.documents);
    // the first crash comes when the machine gets there (sandbox, image, start: > 25 s on a loaded one)
    await waitUntil(
      async () =>
        (await smokeCheck(app.namespace, expected, app.options)).waiting.some((l) => l.includes('exit code 7')),
      { timeout: 90_000, interval: 500, description: 'the init container to crash once' },
    );
    // then look every 0.5 s for longer than one crash cycle (crash, ~10 s terminated or backing off, running, crash)
    const lines: string[][] = [];
    const until = performance.now() + 25_000;
    while (performance.now() < until) {
      const look = await smokeCheck(app.namespace, expected, app.options);
      expect(look.ok).toBe(false);
      lines.push([...look.waiting]);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(lines.length).toBeGreaterThan(1);
    // every look since the first crash names the init container and its exit code, whichever state it was in
    expect(lines.filter((look) => !look.some((line) => /\/setup \(init\): .*exit code 7/.test(line)))).toEqual([]);

    const error = await smokeTest(app.namespace, expected, { timeout: 10_000, interval: 500 }).then(
      () => new Error('the smoke test passed on a crash-looping init container'),
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(SmokeTestError);
    expect(error.message).toMatch(/waiting: \S+\/setup \(init\): .*exit code 7/);
  }, 240_000);

  test("by default it looks only at the release it is given: another release's crashing pod does not fail it", async () => {
    const values = await busyboxValues({ kind: 'deployment', delaySeconds: 0 });
    await using crashing = await ChartDeployment.install(fixtureChart('crash-loop'), {
      values: await busyboxValues(),
      wait: false,
    });
    await using healthy = await ChartDeployment.install(fixtureChart('slow-ready'), { values });
    const chart = await HelmChart.render(fixtureChart('slow-ready'), { releaseName: healthy.releaseName, values });
    const expected = expectedContainers(chart.documents);
    // both releases share the namespace; the other one has crashed by now
    await waitUntil(
      async () =>
        (await crashing.pods()).some((pod) =>
          pod.status?.containerStatuses?.some((status) => status.state?.terminated || status.lastState?.terminated),
        ),
      { timeout: 60_000, interval: 500, description: 'the crash-loop pod to crash' },
    );
    const report = await smokeTest(healthy.namespace, expected, { timeout: 30_000, interval: 500 });
    expect(report).toMatchObject({ ok: true, running: 1, expected: 1, waiting: [] });

    // asked to look at every pod of the namespace, it sees the other release's crash
    const error = await smokeTest(healthy.namespace, expected, { timeout: 10_000, interval: 500, everyPod: true }).then(
      () => new Error('the smoke test of every pod passed beside a crash-looping pod'),
      (e: unknown) => e as Error,
    );
    expect({ type: error.constructor.name, message: error.message }).toMatchObject({ type: SmokeTestError.name });
    expect(error.message).toContain(`${crashing.releaseName}-`);
    expect(error.message).toMatch(/quitter: .*exit code 3/);
  }, 180_000);
});
