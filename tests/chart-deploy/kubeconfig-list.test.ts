// A KUBECONFIG list (`a:b`, valid for kubectl) reaches the real cluster through both the Kubernetes client and helm,
// merged as kubectl merges it: here the first file is a scratch kubeconfig of a dead loopback port whose context is
// current, and --kube-context picks the run's own context from the second file.
import { expect } from '@jest/globals';
import { homeKubeconfigPath } from '../../testsupport/config/kubeconfig-location.ts';
import { loadOptions, resolveOptions } from '../../testsupport/config/options.ts';
import { HelmTestAdaptor } from '../../testsupport/helm/helm-test-adaptor.ts';
import { mark } from '../../testsupport/index.ts';
import { checkCluster } from '../../testsupport/kube/cluster-check.ts';
import { loadKubeConfig } from '../../testsupport/kube/kube-config.ts';
import { closedLoopbackPort, writeKubeconfig } from '../support/scratch-kubeconfig.ts';

mark('chart_deploy').test(
  'a KUBECONFIG list reaches the cluster through the client and through helm',
  async () => {
    const run = loadOptions();
    const real = loadKubeConfig(run);
    const context = real.getCurrentContext();
    const dead = writeKubeconfig({
      server: `https://127.0.0.1:${await closedLoopbackPort()}`,
      insecure: true,
      context: 'dead-first',
    });
    const list = `${dead}:${run.kubeconfig ?? homeKubeconfigPath()}`;
    const options = resolveOptions({ kubeContext: context }, { ...process.env, KUBECONFIG: list });
    expect(options.kubeconfig).toBe(list);

    const cluster = await checkCluster(options);
    expect(cluster.server).toBe(real.getCurrentCluster()?.server);
    expect(cluster.context).toBe(context);

    const helm = await HelmTestAdaptor.create({ kubeconfig: list, kubeContext: context });
    const releases = JSON.parse((await helm.run(['list', '--all-namespaces', '--output', 'json'])).stdout) as unknown;
    expect(Array.isArray(releases)).toBe(true);
    // and without --kube-context the first file's current context wins: the dead one
    await expect(checkCluster(resolveOptions({}, { ...process.env, KUBECONFIG: list }))).rejects.toThrow(
      /kube context "dead-first".*connection refused/,
    );
  },
  60_000,
);
