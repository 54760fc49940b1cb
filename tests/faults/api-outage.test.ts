import { readFileSync } from 'node:fs';
import { expect, test } from '@jest/globals';
import { ChartDeployment } from '../../testsupport/cluster/chart-deployment.ts';
import { loadOptions, type RunOptions } from '../../testsupport/config/options.ts';
import { mark } from '../../testsupport/index.ts';
import { kubeClients } from '../../testsupport/kube/kube-clients.ts';
import { execInPod } from '../../testsupport/kube/pod-exec.ts';
import { WaitTimeoutError, waitUntil } from '../../testsupport/kube/wait-until.ts';
import { busyboxValues, fixtureChart } from '../chart-deploy/fixtures.ts';
import { ApiServerProxy } from './api-server-proxy.ts';
import {
  endOf,
  gatedInstall,
  leftoversOf,
  namespaceGone,
  podReady,
  runFixtures,
  tempFile,
  uniqueName,
  waitForReadinessWait,
} from './fault-support.ts';

const outageMs = 20_000;

mark('chart_deploy').describe('faults mid-run: the API server goes away', () => {
  // The run under test reaches the API server only through ApiServerProxy (see there why it is not the real
  // server that stops: it is shared with the other worker). Its kubeconfig names the proxy; this test itself
  // talks to the server directly, to watch and to make the pod ready while the run cannot see it.
  test('for 20 s during a readiness wait: the wait resumes and finishes, the job namespace is deleted at the end', async () => {
    await using proxy = await ApiServerProxy.start(kubeClients().config);
    const kubeconfig = proxy.writeKubeconfig(kubeClients().config);
    const namespace = uniqueName('ct-outage');
    const release = uniqueName('gated');
    const resultFile = tempFile('ct-outage', 'result.json');
    const run = runFixtures([gatedInstall], ['--test-namespace', namespace], {
      KUBECONFIG: kubeconfig,
      CT_FAULT_RELEASE: release,
      CT_FAULT_RESULT: resultFile,
    });
    try {
      // helm has returned and the run is in its readiness wait: the outage cannot fail helm itself
      const pod = await waitForReadinessWait(namespace, release, endOf(run));
      expect(podReady(pod)).toBe(false);
      const acceptedBefore = proxy.accepted;

      await proxy.refuse();
      const outageStart = Date.now();
      // the release turns ready while the run cannot see it
      const touched = await execInPod(namespace, release, ['touch', '/tmp/ready']);
      expect(touched.exitCode).toBe(0);
      await waitUntil(async () => podReady(await kubeClients().core.readNamespacedPod({ name: release, namespace })), {
        timeout: outageMs - 2_000,
        interval: 250,
        description: `pod ${release} to turn Ready during the outage`,
      });
      await new Promise((resolve) => setTimeout(resolve, outageStart + outageMs - Date.now()));
      await proxy.restore();
      const outageEnd = Date.now();

      const result = await run;
      expect({ exitCode: result.exitCode, output: result.all?.slice(-3000) }).toMatchObject({ exitCode: 0 });
      expect(result.all).toMatch(/1 passed/);
      // while it could not see the server, the wait's progress lines said so
      expect(result.all).toMatch(/the API server does not answer \(.*(ECONNREFUSED|ECONNRESET|fetch failed)/);
      const { readyAt } = JSON.parse(readFileSync(resultFile, 'utf8')) as { readyAt: number };
      // the wait ended only after the server came back, on connections opened again through the proxy
      expect(readyAt).toBeGreaterThanOrEqual(outageEnd);
      expect(proxy.accepted).toBeGreaterThan(acceptedBefore);
      // the run deleted its namespace (through the proxy) with its PV and cluster RBAC
      expect(await namespaceGone(namespace)).toBe(true);
      expect(await leftoversOf(namespace)).toEqual([]);
    } finally {
      run.kill('SIGKILL');
    }
  }, 420_000);

  test('when a wait starts: it waits for the server within its timeout, and says so when it never answers', async () => {
    const direct = loadOptions();
    await using proxy = await ApiServerProxy.start(kubeClients(direct).config);
    const proxied: RunOptions = { ...direct, kubeconfig: proxy.writeKubeconfig(kubeClients(direct).config) };
    await using app = await ChartDeployment.install(fixtureChart('gated-ready'), {
      values: await busyboxValues({ open: true }),
      wait: false,
      options: proxied,
    });

    // the server is away before the wait reads the release manifest and lists: it fails, naming what it waited for
    await proxy.refuse();
    const unanswered = await app.waitReady({ timeout: 3_000 }).catch((error: unknown) => error);
    expect(unanswered).toBeInstanceOf(WaitTimeoutError);
    expect((unanswered as Error).message).toMatch(/did not answer/);

    // the same wait with time to spare: it finishes once the server is back
    const started = Date.now();
    const waiting = app.waitReady({ timeout: 120_000 });
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    await proxy.restore();
    const result = await waiting;
    expect(Date.now() - started).toBeGreaterThanOrEqual(5_000);
    expect(result.elapsedMs).toBeGreaterThan(0);
  }, 300_000);
});
