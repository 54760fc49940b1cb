import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { execa } from 'execa';
import { mark } from '../../testsupport/index.ts';
import {
  busyboxImage,
  busyboxPod,
  clusterKubeConfig,
  execInPod,
  isEmbeddedCluster,
  repoRoot,
  runPod,
  TestNamespace,
} from './local-cluster.ts';

interface EgressCounters {
  interface: string;
  installed: boolean;
  ipv6: boolean;
  forwardDropped: number | null;
  inboundDropped: number | null;
  protectedPorts: string;
}

async function counters(): Promise<EgressCounters> {
  const { stdout } = await execa('bash', [path.join(repoRoot, 'scripts/cluster.sh'), 'egress-counters']);
  return JSON.parse(stdout) as EgressCounters;
}

async function defaultRouteInterface(): Promise<string> {
  const { stdout } = await execa('ip', ['-o', 'route', 'show', 'default']);
  return /\bdev (\S+)/.exec(stdout)?.[1] ?? '';
}

const kubeConfig: KubeConfig = clusterKubeConfig();
// The firewall belongs to the embedded cluster (scripts/cluster.sh); a user's own cluster has its own rules.
const embeddedTest = isEmbeddedCluster(kubeConfig) ? test : test.skip;
let namespace: TestNamespace | undefined;
let core: CoreV1Api;

mark('chart_deploy').describe('local cluster: nothing leaves the host through the external interface', () => {
  beforeAll(async () => {
    core = kubeConfig.makeApiClient(CoreV1Api);
  });

  afterAll(async () => {
    await namespace?.delete();
  });

  embeddedTest('the drop rules sit first in mangle FORWARD and INPUT, on the default-route interface', async () => {
    const current = await counters();
    expect(current.installed).toBe(true);
    expect(current.interface).toBe(await defaultRouteInterface());
    expect(current.protectedPorts).toBe('2379:2381,6443,10249,10250,10256,10257,10259');
    const tools = current.ipv6 ? ['iptables', 'ip6tables'] : ['iptables'];
    for (const tool of tools) {
      const forward = await execa(tool, ['-w', '10', '-t', 'mangle', '-S', 'CT-FW-FORWARD']);
      expect(forward.stdout).toContain(`-A CT-FW-FORWARD -o ${current.interface} `);
      const input = await execa(tool, ['-w', '10', '-t', 'mangle', '-S', 'CT-FW-INPUT']);
      expect(input.stdout).toContain(
        `-A CT-FW-INPUT -i ${current.interface} -p tcp -m multiport --dports ${current.protectedPorts}`,
      );
    }
  });

  embeddedTest(
    'cluster DNS answers outside names without sending anything out, and the counters stay 0',
    async () => {
      namespace = await TestNamespace.create(core, 'egress');
      await runPod(core, namespace.name, busyboxPod('client', await busyboxImage(core), 'exec sleep 3600'));
      // CoreDNS forwards nothing and pods' upstream resolver is loopback: outside names fail inside the host
      const lookup = await execInPod(kubeConfig, namespace.name, 'client', ['nslookup', 'registry.npmjs.org']);
      expect(lookup.exitCode).not.toBe(0);
      const after = await counters();
      expect({ forward: after.forwardDropped, inbound: after.inboundDropped }).toEqual({ forward: 0, inbound: 0 });
    },
    90_000,
  );
});
