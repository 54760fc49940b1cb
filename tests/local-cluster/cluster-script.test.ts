import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { execa } from 'execa';
import { mark } from '../../testsupport/index.ts';
import { clusterKubeConfig, isEmbeddedCluster, repoRoot } from './local-cluster.ts';

const script = path.join(repoRoot, 'scripts/cluster.sh');
// These check the embedded cluster's own entry point; a user's cluster is not ours to start or stop.
const embeddedTest = isEmbeddedCluster(clusterKubeConfig()) ? test : test.skip;

mark('chart_deploy').describe('scripts/cluster.sh on a running embedded cluster', () => {
  embeddedTest('a second `up` returns at once and prints the kubeconfig path last', async () => {
    const started = performance.now();
    const { stdout, stderr } = await execa('bash', [script, 'up']);
    // the property is the path it took (no build); the wall bound only catches a rebuild (10-15 min)
    expect(`${stdout}\n${stderr}`).toContain('already up (node');
    expect(performance.now() - started).toBeLessThan(60_000);
    const last = stdout.trim().split('\n').at(-1) ?? '';
    expect(path.isAbsolute(last)).toBe(true);
    expect(fs.readFileSync(last, 'utf8')).toContain('server: https://127.0.0.1:6443');
  });

  embeddedTest('`kubeconfig` prints the same path last, and `status` names every component as running', async () => {
    const kubeconfig = (await execa('bash', [script, 'kubeconfig'])).stdout.trim().split('\n').at(-1);
    expect(fs.readFileSync(kubeconfig ?? '', 'utf8')).toContain('name: chart-testware-local');
    const status = await execa('bash', [script, 'status']);
    expect(status.exitCode).toBe(0);
    for (const component of [
      'containerd',
      'etcd',
      'kube-apiserver',
      'kube-controller-manager',
      'kube-scheduler',
      'kube-proxy',
      'kubelet',
    ]) {
      expect(status.stdout).toMatch(new RegExp(`^\\s+${component}\\s+running\\s+pid \\d+`, 'm'));
    }
    expect(status.stdout).toMatch(/^cluster: up /m);
  });

  embeddedTest('an unknown command is refused with the usage', async () => {
    const result = await execa('bash', [script, 'frobnicate'], { reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('cluster.sh up');
  });
});
