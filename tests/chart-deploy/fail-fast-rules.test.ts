// FailFast's rule for FailedMount on hand-made pods and events (no cluster): which mount failures end a wait.
import { afterEach, beforeEach, expect, jest, test } from '@jest/globals';
import type { CoreV1Event, KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { FailFast } from '../../testsupport/cluster/fail-fast.ts';
import { mark } from '../../testsupport/index.ts';
import type { ClusterView } from '../../testsupport/kube/wait-for.ts';

const pod: V1Pod = {
  metadata: { name: 'db-0', namespace: 'ci', uid: 'uid-1' },
  spec: { containers: [{ name: 'app' }], volumes: [{ name: 'data', configMap: { name: 'db-config' } }] },
  status: { phase: 'Pending' },
};
const owner = { kind: 'StatefulSet', name: 'db', namespace: 'ci' };

function failedMount(message: string, count: number): CoreV1Event {
  return {
    metadata: { name: `db-0.${count}`, namespace: 'ci' },
    involvedObject: { kind: 'Pod', name: 'db-0', namespace: 'ci', uid: 'uid-1' },
    reason: 'FailedMount',
    message,
    count,
  };
}

function viewOf(events: CoreV1Event[]): ClusterView {
  return {
    get: () => undefined,
    list: <T extends KubernetesObject>(kind: string) => (kind === 'Event' ? events : []) as unknown as T[],
    elapsedMs: 0,
  };
}

/** The verdict on the pod when first seen and again six seconds later (past the five-second grace). */
function verdicts(events: CoreV1Event[]) {
  const failFast = new FailFast();
  const first = failFast.podFailure(pod, owner, viewOf(events));
  jest.advanceTimersByTime(6_000);
  return [first, failFast.podFailure(pod, owner, viewOf(events))];
}

beforeEach(() => {
  jest.useFakeTimers();
});
afterEach(() => {
  jest.useRealTimers();
});

mark('no_deploy').describe('FailFast: FailedMount', () => {
  test('a mount that fails at each retry fails the wait once the grace is over, naming the volume', () => {
    const [first, later] = verdicts([
      failedMount('MountVolume.SetUp failed for volume "data" : configmap "db-config" not found', 3),
    ]);
    expect(first).toBeUndefined();
    expect(later?.reason).toBe('FailedMount');
    expect(later?.message).toContain('volume "data" is ConfigMap "db-config"');
  });

  test('a mount that failed once and was not retried yet does not', () => {
    expect(verdicts([failedMount('MountVolume.SetUp failed for volume "data" : timed out', 1)])).toEqual([
      undefined,
      undefined,
    ]);
  });

  test('the node authorizer not yet knowing the claim does not, however often it repeats', () => {
    const message =
      'Unable to attach or mount volumes: unmounted volumes=[data]: error processing PVC ci/data-db-0: failed to fetch PVC from API server: persistentvolumeclaims "data-db-0" is forbidden: User "system:node:n" cannot get resource "persistentvolumeclaims" in API group "" in the namespace "ci": no relationship found between node \'n\' and this object';
    expect(verdicts([failedMount(message, 4)])).toEqual([undefined, undefined]);
  });
});
