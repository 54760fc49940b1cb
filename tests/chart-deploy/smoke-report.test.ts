// What the smoke test says about a crash-looping init container in each state of its cycle, on hand-made pod
// statuses as the kubelet writes them (no cluster; smoke.test.ts watches a real one go round).
import { expect, test } from '@jest/globals';
import type { V1ContainerState, V1Pod } from '@kubernetes/client-node';
import { podProblems } from '../../testsupport/cluster/smoke-test.ts';
import { mark } from '../../testsupport/index.ts';

function initCrashing(state: V1ContainerState, restartCount: number): V1Pod {
  return {
    metadata: { name: 'web-1' },
    spec: { containers: [{ name: 'app' }], restartPolicy: 'Always' },
    status: {
      phase: 'Pending',
      initContainerStatuses: [
        {
          name: 'setup',
          image: 'busybox',
          imageID: '',
          ready: false,
          restartCount,
          state,
          lastState: restartCount > 0 ? { terminated: { exitCode: 7, reason: 'Error' } } : {},
        },
      ],
      containerStatuses: [
        {
          name: 'app',
          image: 'busybox',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: 'PodInitializing' } },
        },
      ],
    },
  };
}

mark('no_deploy').describe('smoke report of a crash-looping init container', () => {
  test.each([
    [
      'just terminated',
      { terminated: { exitCode: 7, reason: 'Error' } },
      0,
      'web-1/setup (init): Terminated Error (exit code 7)',
    ],
    [
      'backing off',
      { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } },
      1,
      'web-1/setup (init): CrashLoopBackOff (back-off 10s); last exit code 7 (Error); 1 restarts',
    ],
    [
      'running again',
      { running: {} },
      2,
      'web-1/setup (init): Running again after a crash; last exit code 7 (Error); 2 restarts',
    ],
  ] as const)("%s: its last exit code, not the main container's PodInitializing", (_state, state, restarts, line) => {
    expect(podProblems(initCrashing(state, restarts))).toEqual([line]);
  });

  test('an init container that finished (exit 0) is no problem; the main container still initialising is', () => {
    const pod = initCrashing({ terminated: { exitCode: 0, reason: 'Completed' } }, 0);
    expect(podProblems(pod)).toEqual(['web-1/app: PodInitializing']);
  });
});
