// Which failure ends a wait when some may be start order (a client crash-looping until the database of its release
// answers). The cluster side of it is the starts-after-db case in fail-fast.test.ts; these are the rules by themselves.
import { expect, test } from '@jest/globals';
import { mark } from '../../testsupport/index.ts';
import { HeldFailures } from '../../testsupport/kube/held-failures.ts';
import type { ObjectRef } from '../../testsupport/kube/object-ref.ts';
import type { Verdict } from '../../testsupport/kube/wait-for.ts';

const client: ObjectRef = { kind: 'Deployment', name: 'client', namespace: 'ci' };
const db: ObjectRef = { kind: 'StatefulSet', name: 'db', namespace: 'ci' };
const service: ObjectRef = { kind: 'Service', name: 'db', namespace: 'ci' };
const crash = new Error('CrashLoopBackOff');
const crashing = (restarts: number): Verdict => ({
  ready: false,
  failure: crash,
  failureCurableBy: ['Deployment', 'StatefulSet'],
  failureCount: restarts,
});
const pending: Verdict = { ready: false, waitingFor: 'starting' };
const ready: Verdict = { ready: true };

mark('no_deploy').describe('failures held back while a peer starts', () => {
  test('a crash loop with nothing it could wait on ends the wait at once (a Service pending on it does not count)', () => {
    expect(new HeldFailures().ending([[client, crashing(1)]])?.failure).toBe(crash);
    expect(
      new HeldFailures().ending([
        [client, crashing(1)],
        [service, pending],
        [db, ready],
      ])?.failure,
    ).toBe(crash);
  });

  test('held while a workload of its release is pending; then ends only if it crashes again', () => {
    const held = new HeldFailures();
    expect(
      held.ending([
        [client, crashing(1)],
        [db, pending],
      ]),
    ).toBeUndefined();
    expect(
      held.ending([
        [client, crashing(2)],
        [db, pending],
      ]),
    ).toBeUndefined();
    // the db is ready: the client is still in its back-off, which is not a new crash
    expect(
      held.ending([
        [client, crashing(2)],
        [db, ready],
      ]),
    ).toBeUndefined();
    expect(
      held.ending([
        [client, crashing(2)],
        [db, ready],
      ]),
    ).toBeUndefined();
    // it crashed once more with its db ready: that is a verdict
    expect(
      held.ending([
        [client, crashing(3)],
        [db, ready],
      ])?.failure,
    ).toBe(crash);
  });

  test('a failure no peer can cure, and one whose peer failed itself, end the wait', () => {
    const definitive: Verdict = { ready: false, failure: new Error('ErrImageNeverPull') };
    expect(
      new HeldFailures().ending([
        [client, pending],
        [db, definitive],
      ]),
    ).toBe(definitive);
    const failedDb: Verdict = { ready: false, failure: new Error('db: Unschedulable') };
    expect(
      new HeldFailures().ending([
        [client, crashing(1)],
        [db, failedDb],
      ])?.failure,
    ).toBe(crash);
  });
});
