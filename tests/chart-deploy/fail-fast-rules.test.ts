// FailFast's rules on hand-made pods, events, Jobs and claims (no cluster): which reasons end a wait and when.
// The pods and events are what the kubelet and the controllers write; the real chart_deploy tests of the same
// reasons are in fail-fast.test.ts.
import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import type {
  CoreV1Event,
  KubernetesObject,
  V1ContainerStatus,
  V1Deployment,
  V1Job,
  V1Pod,
  V1ReplicaSet,
} from '@kubernetes/client-node';
import type { ChartNotReadyError } from '../../testsupport/cluster/chart-not-ready-error.ts';
import { FailFast } from '../../testsupport/cluster/fail-fast.ts';
import { FailureEvidence, weigh } from '../../testsupport/cluster/failure-evidence.ts';
import { readinessCondition } from '../../testsupport/cluster/readiness.ts';
import { mark } from '../../testsupport/index.ts';
import type { ClusterView } from '../../testsupport/kube/wait-for.ts';

const owner = { kind: 'StatefulSet', name: 'db', namespace: 'ci' };

function pendingPod(statuses: V1ContainerStatus[] = []): V1Pod {
  return {
    metadata: { name: 'db-0', namespace: 'ci', uid: 'uid-1' },
    spec: { containers: [{ name: 'app' }], volumes: [{ name: 'data', configMap: { name: 'db-config' } }] },
    status: { phase: 'Pending', containerStatuses: statuses },
  };
}

function waitingPod(reason: string, message: string, extra: Partial<V1ContainerStatus> = {}): V1Pod {
  return pendingPod([
    {
      name: 'app',
      image: 'img:1',
      imageID: '',
      ready: false,
      restartCount: 0,
      state: { waiting: { reason, message } },
      ...extra,
    },
  ]);
}

function runningPod(): V1Pod {
  return {
    ...pendingPod([{ name: 'app', image: 'img:1', imageID: '', ready: true, restartCount: 0, state: { running: {} } }]),
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [
        { name: 'app', image: 'img:1', imageID: '', ready: true, restartCount: 0, state: { running: {} } },
      ],
    },
  };
}

function podEvent(reason: string, message: string, count: number, fieldPath?: string): CoreV1Event {
  return {
    metadata: { name: `db-0.${reason}.${count}`, namespace: 'ci' },
    involvedObject: { kind: 'Pod', name: 'db-0', namespace: 'ci', uid: 'uid-1', fieldPath },
    reason,
    message,
    count,
    lastTimestamp: new Date(),
  };
}

function viewOf(objects: Record<string, KubernetesObject[]>): ClusterView {
  return {
    get: <T extends KubernetesObject>(kind: string, name: string) =>
      (objects[kind] ?? []).find((object) => object.metadata?.name === name) as T | undefined,
    list: <T extends KubernetesObject>(kind: string) => (objects[kind] ?? []) as T[],
    elapsedMs: 0,
  };
}

/**
 * Looks at the pod `steps` times, `everyMs` apart (fake clock), with what the cluster shows at each look; returns
 * the reason of the failure at each look ('-' for none).
 */
function looks(steps: Array<{ pod: V1Pod; events?: CoreV1Event[] }>, everyMs = 1_000, failFast = new FailFast()) {
  return steps.map((step, index) => {
    if (index > 0) jest.advanceTimersByTime(everyMs);
    return failFast.podFailure(step.pod, owner, viewOf({ Event: step.events ?? [] }))?.reason ?? '-';
  });
}

/** The same look repeated `times` times, one second apart. */
const repeat = (times: number, step: { pod: V1Pod; events?: CoreV1Event[] }) =>
  Array.from({ length: times }, () => step);

beforeEach(() => {
  jest.useFakeTimers();
});
afterEach(() => {
  jest.useRealTimers();
});

mark('no_deploy').describe('FailFast rules', () => {
  describe('the weight of a reason', () => {
    test.each([
      ['CrashLoopBackOff', 'back-off 10s restarting failed container', 'definitive'],
      ['ErrImageNeverPull', 'Container image "x:1" is not present with pull policy of Never', 'definitive'],
      ['InvalidImageName', 'Failed to apply default image tag "Bad Name": couldn\'t parse image name', 'definitive'],
      ['BackoffLimitExceeded', 'Job has reached the specified backoff limit', 'definitive'],
      ['ErrImagePull', 'failed to resolve reference "r/x:1": r/x:1: not found', 'definitive'],
      ['ImagePullBackOff', 'pull access denied, repository does not exist or may require authorization', 'definitive'],
      ['ErrImagePull', 'dial tcp: lookup no-such-registry.example: no such host', 'definitive'],
      [
        'ErrImagePull',
        'failed to do request: Head "https://r/v2/x/manifests/1": proxyconnect tcp: dial tcp 127.0.0.1:9: connect: connection refused',
        'definitive', // the embedded cluster's containerd: pulls go to the discard port on purpose
      ],
      ['ErrImagePull', 'proxyconnect tcp: dial tcp 10.0.0.5:3128: connect: connection refused', 'repeated'],
      [
        'ErrImagePull',
        'failed to do request: Head "https://r/v2/x/manifests/1": net/http: TLS handshake timeout',
        'transient',
      ],
      ['ErrImagePull', 'rpc error: code = Unknown desc = something nobody has seen yet', 'repeated'],
      ['CreateContainerConfigError', 'failed to sync secret cache: timed out waiting for the condition', 'transient'],
      [
        'CreateContainerConfigError',
        'failed to sync configmap cache: timed out waiting for the condition',
        'transient',
      ],
      ['CreateContainerConfigError', 'secret "db-credentials" not found', 'repeated'],
      ['CreateContainerConfigError', "couldn't find key password in Secret ci/db", 'repeated'],
      ['CreateContainerError', 'a message the kubelet invents next year', 'repeated'],
      ['FailedMount', "no relationship found between node 'n' and this object", 'transient'],
      ['FailedMount', 'MountVolume.SetUp failed for volume "data" : configmap "db-config" not found', 'repeated'],
      ['Unschedulable', "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector", 'repeated'],
      [
        'Unschedulable',
        '0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }',
        'transient',
      ],
    ] as const)('%s "%s" is %s', (reason, message, weight) => {
      expect(weigh(reason, message)).toBe(weight);
    });
  });

  describe('definitive reasons end the wait at the first look', () => {
    test('CrashLoopBackOff, with the last exit code and the command to read the previous log', () => {
      const pod = waitingPod('CrashLoopBackOff', 'back-off 10s restarting failed container=app', {
        restartCount: 1,
        lastState: { terminated: { exitCode: 3, reason: 'Error' } },
      });
      const error = new FailFast().podFailure(pod, owner, viewOf({}));
      expect(error?.reason).toBe('CrashLoopBackOff');
      expect(error?.message).toContain('last exit code 3 (Error)');
      expect(error?.message).toContain('kubectl logs -n ci db-0 -c app --previous');
    });

    test('an image pull the registry refused, also when only the back-off shows and the refusal is in the events', () => {
      expect(looks([{ pod: waitingPod('ErrImagePull', 'failed to resolve reference "r/x:1": not found') }])).toEqual([
        'ErrImagePull',
      ]);
      const refused = podEvent('Failed', 'Failed to pull image "r/x:1": r/x:1: not found', 1, 'spec.containers{app}');
      const error = new FailFast().podFailure(
        waitingPod('ImagePullBackOff', 'Back-off pulling image "r/x:1"'),
        owner,
        viewOf({ Event: [refused] }),
      );
      expect(error?.reason).toBe('ImagePullBackOff');
      expect(error?.message).toContain('not found');
    });

    test("a Job's BackoffLimitExceeded", () => {
      const job: V1Job = {
        metadata: { name: 'migrate', namespace: 'ci', uid: 'job-1' },
        status: { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'limit' }] },
      };
      expect(new FailFast().jobFailure(job, { kind: 'Job', name: 'migrate', namespace: 'ci' })?.reason).toBe(
        'BackoffLimitExceeded',
      );
    });
  });

  describe('known transient messages never end a wait, however often they repeat', () => {
    test("the kubelet's secret cache not synced under load (tango-base's tangodb in CI)", () => {
      const message = 'failed to sync secret cache: timed out waiting for the condition';
      const failed = podEvent('Failed', `Error: ${message}`, 7, 'spec.containers{app}');
      expect(looks(repeat(60, { pod: waitingPod('CreateContainerConfigError', message), events: [failed] }))).toEqual(
        Array(60).fill('-'),
      );
    });

    test('a cache not synced is answered by our own look at what the container needs: missing fails, present never', async () => {
      const message = 'failed to sync secret cache: timed out waiting for the condition';
      const failed = podEvent('Failed', `Error: ${message}`, 3, 'spec.containers{app}');
      const pod = waitingPod('CreateContainerConfigError', message);
      pod.spec = {
        containers: [
          {
            name: 'app',
            env: [
              { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db-credentials', key: 'password' } } },
              { name: 'EXTRA', valueFrom: { secretKeyRef: { name: 'db-extra', key: 'x', optional: true } } },
            ],
            envFrom: [{ configMapRef: { name: 'db-settings' } }],
          },
        ],
      };
      const seen = async (exists: (kind: string, name: string) => boolean) => {
        const asked = new Set<string>();
        const failFast = new FailFast(undefined, {
          exists: async (kind, _namespace, name) => {
            asked.add(`${kind} ${name}`);
            return exists(kind, name);
          },
        });
        const reasons: string[] = [];
        let error: ChartNotReadyError | undefined;
        for (let second = 0; second < 12; second++) {
          error ??= failFast.podFailure(pod, owner, viewOf({ Event: [failed] }));
          reasons.push(error?.reason ?? '-');
          await jest.advanceTimersByTimeAsync(1_000);
        }
        return { reasons, asked: [...asked].sort(), error, records: failFast.reasonsSeen };
      };
      const missing = await seen((kind) => kind === 'ConfigMap');
      // the look starts once the 5 s hold is over; its answer counts at the next look
      expect(missing.reasons.indexOf('CreateContainerConfigError')).toBe(6);
      expect(missing.asked).toEqual(['ConfigMap db-settings', 'Secret db-credentials']); // not the optional one
      expect(missing.error?.message).toContain('secret "db-credentials" not found');
      expect(missing.records.map((record) => record.weight)).toEqual(['transient', 'repeated']);

      // tango-base's tangodb under load: everything it needs is there, so only the wait's timeout could end it
      const present = await seen(() => true);
      expect(present.reasons).toEqual(Array(12).fill('-'));
      expect(present.asked).toEqual(['ConfigMap db-settings', 'Secret db-credentials']);
    });

    test('the node authorizer not yet knowing the claim', () => {
      const message =
        'Unable to attach or mount volumes: unmounted volumes=[data]: error processing PVC ci/data-db-0: failed to fetch PVC from API server: persistentvolumeclaims "data-db-0" is forbidden: User "system:node:n" cannot get resource "persistentvolumeclaims" in API group "" in the namespace "ci": no relationship found between node \'n\' and this object';
      expect(looks(repeat(30, { pod: pendingPod(), events: [podEvent('FailedMount', message, 4)] }))).toEqual(
        Array(30).fill('-'),
      );
    });
  });

  describe('any other reason ends a wait only when the cluster repeats it and it keeps showing', () => {
    const missing = 'secret "db-credentials" not found';
    const failedOnce = podEvent('Failed', `Error: ${missing}`, 1, 'spec.containers{app}');
    const failedTwice = podEvent('Failed', `Error: ${missing}`, 2, 'spec.containers{app}');

    test('a missing Secret that stays missing: once the kubelet reported it twice and 5 s have passed', () => {
      const pod = waitingPod('CreateContainerConfigError', missing);
      const seen = looks([
        ...repeat(8, { pod, events: [failedOnce] }), // one report: never enough, however long
        ...repeat(2, { pod, events: [failedTwice] }),
      ]);
      expect(seen).toEqual([...Array(8).fill('-'), 'CreateContainerConfigError', 'CreateContainerConfigError']);
    });

    test('a missing Secret that our own look finds still missing after the hold, before the kubelet retries', async () => {
      const asked: string[] = [];
      const check = (exists: boolean) => async (kind: string, namespace: string, name: string) => {
        asked.push(`${kind} ${namespace}/${name}`);
        return exists;
      };
      const pod = waitingPod('CreateContainerConfigError', missing);
      const seen = async (failFast: FailFast) => {
        const reasons: string[] = [];
        for (let second = 0; second < 12; second++) {
          reasons.push(failFast.podFailure(pod, owner, viewOf({ Event: [failedOnce] }))?.reason ?? '-');
          await jest.advanceTimersByTimeAsync(1_000);
        }
        return reasons;
      };
      const stillMissing = await seen(new FailFast(undefined, { exists: check(false) }));
      // looked at after the 5 s hold; its answer counts at the next look
      expect(stillMissing.indexOf('CreateContainerConfigError')).toBe(6);
      expect(asked[0]).toBe('Secret ci/db-credentials');
      // created meanwhile: the kubelet's next retry will find it, so the wait goes on
      expect(await seen(new FailFast(undefined, { exists: check(true) }))).toEqual(Array(12).fill('-'));
    });

    test('reported twice at once is not enough before the 5 s hold', () => {
      const pod = waitingPod('CreateContainerConfigError', missing);
      const seen = looks(repeat(7, { pod, events: [failedTwice] }));
      expect(seen.indexOf('CreateContainerConfigError')).toBe(5);
    });

    test('a "not found" that resolves does not fail, and the wait records that it was seen and cleared', () => {
      const records: string[] = [];
      const failFast = new FailFast(new FailureEvidence((record) => records.push(record.reason)));
      const pod = waitingPod('CreateContainerConfigError', missing);
      const seen = looks(
        [...repeat(3, { pod, events: [failedOnce] }), ...repeat(10, { pod: runningPod() })],
        1_000,
        failFast,
      );
      expect(seen).toEqual(Array(13).fill('-'));
      expect(records).toEqual(['CreateContainerConfigError']);
      expect(failFast.reasonsSeen).toMatchObject([
        { reason: 'CreateContainerConfigError', weight: 'repeated', outcome: 'cleared', message: missing },
      ]);
    });

    test('a message nobody has seen before fails only if the kubelet repeats it', () => {
      const message = 'a brand-new hiccup of a loaded kubelet';
      const pod = waitingPod('CreateContainerError', message);
      const once = podEvent('Failed', `Error: ${message}`, 1, 'spec.containers{app}');
      const twice = podEvent('Failed', `Error: ${message}`, 2, 'spec.containers{app}');
      expect(looks([...repeat(6, { pod, events: [once] }), ...repeat(10, { pod: runningPod() })])).toEqual(
        Array(16).fill('-'),
      );
      expect(looks([...repeat(3, { pod, events: [once] }), ...repeat(3, { pod, events: [twice] })])).toEqual([
        ...Array(5).fill('-'),
        'CreateContainerError',
      ]);
    });

    test('a sighting that cleared starts its hold again when it comes back', () => {
      const pod = waitingPod('CreateContainerConfigError', missing);
      const seen = looks([
        ...repeat(4, { pod, events: [failedTwice] }),
        { pod: runningPod() },
        ...repeat(6, { pod, events: [failedTwice] }),
      ]);
      expect(seen.indexOf('CreateContainerConfigError')).toBe(10);
    });

    test('an image pull that failed on the network ends the wait only when the next pull fails too', () => {
      const message =
        'failed to pull and unpack image "r/x:1": unexpected status from HEAD request: 500 Internal Server Error';
      const pull = (count: number) =>
        podEvent('Failed', `Failed to pull image "r/x:1": ${message}`, count, 'spec.containers{app}');
      const seen = looks([
        { pod: waitingPod('ErrImagePull', message), events: [pull(1)] },
        ...repeat(9, { pod: waitingPod('ImagePullBackOff', 'Back-off pulling image "r/x:1"'), events: [pull(1)] }),
        { pod: waitingPod('ErrImagePull', message), events: [pull(2)] },
      ]);
      expect(seen).toEqual([...Array(10).fill('-'), 'ErrImagePull']);
    });

    test('a pod the scheduler cannot place: after the scheduler kept saying so for 5 s', () => {
      const pod: V1Pod = {
        ...pendingPod(),
        status: {
          phase: 'Pending',
          conditions: [
            {
              type: 'PodScheduled',
              status: 'False',
              reason: 'Unschedulable',
              message: "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector",
            },
          ],
        },
      };
      expect(looks(repeat(7, { pod })).indexOf('Unschedulable')).toBe(5);
    });
  });

  describe('FailedMount', () => {
    const message = 'MountVolume.SetUp failed for volume "data" : configmap "db-config" not found';

    test('a mount that fails at each retry fails the wait once the hold is over, naming the volume', () => {
      const failFast = new FailFast();
      const view = viewOf({ Event: [podEvent('FailedMount', message, 3)] });
      expect(failFast.podFailure(pendingPod(), owner, view)).toBeUndefined();
      jest.advanceTimersByTime(6_000);
      const later = failFast.podFailure(pendingPod(), owner, view);
      expect(later?.reason).toBe('FailedMount');
      expect(later?.message).toContain('volume "data" is ConfigMap "db-config"');
    });

    test('a mount that failed once and was not retried yet does not', () => {
      expect(looks(repeat(8, { pod: pendingPod(), events: [podEvent('FailedMount', message, 1)] }))).toEqual(
        Array(8).fill('-'),
      );
    });

    test('an old mount failure does not count once the containers were created', () => {
      const created = waitingPod('ContainerCreating', '', { state: { running: {} } });
      expect(looks(repeat(8, { pod: created, events: [podEvent('FailedMount', message, 3)] }))).toEqual(
        Array(8).fill('-'),
      );
    });
  });

  describe('through the readiness condition', () => {
    const deployment: V1Deployment = {
      metadata: {
        name: 'web',
        namespace: 'ci',
        uid: 'dep-1',
        generation: 1,
        annotations: { 'deployment.kubernetes.io/revision': '1' },
      },
      spec: { replicas: 1, selector: {}, template: {} },
      status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 0 },
    };
    const replicaSet: V1ReplicaSet = {
      metadata: {
        name: 'web-1',
        namespace: 'ci',
        uid: 'rs-1',
        annotations: { 'deployment.kubernetes.io/revision': '1' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'dep-1' }],
      },
      spec: { selector: {} },
    };
    const ofReplicaSet = (pod: V1Pod): V1Pod => ({
      ...pod,
      metadata: {
        ...pod.metadata,
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'rs-1' }],
      },
    });
    const ref = { kind: 'Deployment', name: 'web', namespace: 'ci' };

    test('a transient reason shows in what the wait waits for, and the Deployment turns ready past it', () => {
      const failFast = new FailFast();
      const condition = readinessCondition(failFast);
      const message = 'failed to sync secret cache: timed out waiting for the condition';
      const stuck = viewOf({
        Deployment: [deployment],
        ReplicaSet: [replicaSet],
        Pod: [ofReplicaSet(waitingPod('CreateContainerConfigError', message))],
      });
      const waiting = condition(deployment, ref, stuck);
      expect(waiting.failure).toBeUndefined();
      expect(waiting.waitingFor).toMatch(
        /not final yet: Pod ci\/db-0 container app: CreateContainerConfigError \(failed to sync secret cache.*\), transient/,
      );
      jest.advanceTimersByTime(2_000);
      const ready = { ...deployment, status: { ...deployment.status, availableReplicas: 1 } };
      const verdict = condition(
        ready,
        ref,
        viewOf({ Deployment: [ready], ReplicaSet: [replicaSet], Pod: [ofReplicaSet(runningPod())] }),
      );
      expect(verdict).toEqual({ ready: true });
      expect(failFast.reasonsSeen).toMatchObject([
        { reason: 'CreateContainerConfigError', weight: 'transient', outcome: 'cleared', object: 'Deployment ci/web' },
      ]);
    });
  });
});
