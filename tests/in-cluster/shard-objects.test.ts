// The objects of an in-cluster run, as the runner creates them: an Indexed Job of N pods that follow the chart
// guidelines' pod security, and RBAC that grants nothing cluster-wide but reading.
import { expect, test } from '@jest/globals';
import type { V1ClusterRole, V1Job, V1Role, V1ServiceAccount } from '@kubernetes/client-node';
import { leftoverOfLabel } from '../../testsupport/cluster/cluster-leftovers.ts';
import { shardObjects } from '../../testsupport/cluster/in-cluster-job.ts';
import { resolveOptions } from '../../testsupport/config/options.ts';
import { mark } from '../../testsupport/index.ts';

const options = resolveOptions({ testNamespace: 'ci-shards' }, { CHART_TESTWARE_RUN_ID: 'run-1' });
const objects = shardObjects(options, {
  name: 'ct-shards-run-1',
  namespace: 'ci-shards',
  image: 'node:24-bookworm-slim',
  shards: 3,
  env: { CHART_TESTWARE_SHARDS: '3' },
  entry: 'testsupport/jest/in-cluster-shard.ts',
});
const byKind = <T>(kind: string) => objects.find((object) => object.kind === kind) as T;

mark('no_deploy').describe('in-cluster shard objects', () => {
  test('are created ServiceAccount first and Job last (deleted in reverse)', () => {
    expect(objects.map((object) => object.kind)).toEqual([
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'Role',
      'RoleBinding',
      'Job',
    ]);
  });

  test('an Indexed Job with completions = parallelism = shards, no retries, its own ServiceAccount', () => {
    const job = byKind<V1Job>('Job');
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 3, parallelism: 3, backoffLimit: 0 });
    const pod = job.spec?.template.spec;
    expect(pod).toMatchObject({ serviceAccountName: 'ct-shards-run-1', automountServiceAccountToken: true });
    expect(byKind<V1ServiceAccount>('ServiceAccount').automountServiceAccountToken).toBe(false);
  });

  test('pods run non-root, read-only, without capabilities, with seccomp RuntimeDefault and small requests', () => {
    const pod = byKind<V1Job>('Job').spec?.template.spec;
    expect(pod?.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod?.securityContext?.runAsUser).toBeGreaterThan(0);
    const container = pod?.containers[0];
    expect(container?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container?.resources?.requests).toEqual({ cpu: '50m', memory: '256Mi' });
    expect(pod?.volumes?.map((volume) => Object.keys(volume).filter((key) => key !== 'name'))).toEqual([
      ['emptyDir'],
      ['emptyDir'],
    ]);
  });

  test('the Role is namespaced; the ClusterRole only reads, and is labelled as a leftover of the namespace', () => {
    expect(byKind<V1Role>('Role').metadata?.namespace).toBe('ci-shards');
    const resources = (byKind<V1Role>('Role').rules ?? []).flatMap((rule) => rule.resources ?? []);
    expect(resources).not.toContain('namespaces');
    expect(resources).not.toContain('clusterroles');
    const clusterRole = byKind<V1ClusterRole>('ClusterRole');
    expect(new Set(clusterRole.rules?.flatMap((rule) => rule.verbs))).toEqual(new Set(['get', 'list', 'watch']));
    expect(clusterRole.metadata?.labels?.[leftoverOfLabel]).toBe('ci-shards');
  });
});
