// chart-testware's Jest matchers, registered for every test file by jest.config.ts (setupFilesAfterEnv), and
// `eventually`, which retries an assertion until it passes or a deadline passes.

import { expect } from '@jest/globals';
import type { V1ContainerStatus } from '@kubernetes/client-node';
import type { MatcherContext } from 'expect';
import type { FileState } from '../probes/file-state.ts';
import type { PackageState } from '../probes/package-state.ts';
import type { SocketState } from '../probes/socket-state.ts';
import type { GroupState, UserState } from '../probes/user-state.ts';
import './recovery-matcher.ts'; // toRecoverWithin, registered with these

declare module 'expect' {
  interface Matchers<R extends void | Promise<void>, T = unknown> {
    /** A Pod with condition Ready=True, or a Deployment/StatefulSet/ReplicaSet/DaemonSet with every replica ready. */
    toBeReady(): R;
    /** A Pod with exactly `count` containers in the running state. */
    toHaveRunningContainers(count: number): R;
    /** A SocketState (host.socket(url)) that is listening. */
    toBeListening(): R;
    /** A FileState, UserState or GroupState that exists, or a PackageState that is installed. */
    toExist(): R;
    /** Log text, lines, or records with a `message`, of which one line contains `text`. */
    toContainLogLine(text: string): R;
  }
}

type Result = { pass: boolean; message: () => string };

interface Workload {
  kind?: string;
  metadata?: { name?: string; namespace?: string; generation?: number };
  spec?: { replicas?: number };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    observedGeneration?: number;
    desiredNumberScheduled?: number;
    numberReady?: number;
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
    phase?: string;
    containerStatuses?: V1ContainerStatus[];
  };
}

function objectName(object: Workload): string {
  const kind = object.kind ?? (object.status && 'containerStatuses' in object.status ? 'Pod' : 'object');
  return `${kind} ${object.metadata?.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata?.name ?? '?'}`;
}

function isPod(object: Workload): boolean {
  return (
    object.kind === 'Pod' ||
    (object.kind === undefined && Array.isArray(object.status?.conditions) && object.status?.phase !== undefined)
  );
}

function readiness(object: Workload): { ready: boolean; why: string } {
  if (isPod(object)) {
    const condition = object.status?.conditions?.find((c) => c.type === 'Ready');
    const waiting = (object.status?.containerStatuses ?? [])
      .filter((c) => !c.ready)
      .map(
        (c) =>
          `${c.name}: ${c.state?.waiting?.reason ?? (c.state?.terminated ? `terminated (${c.state.terminated.reason})` : 'not ready')}`,
      );
    return {
      ready: condition?.status === 'True',
      why: `phase ${object.status?.phase ?? '?'}, Ready=${condition?.status ?? 'absent'}${condition?.reason ? ` (${condition.reason})` : ''}${
        waiting.length ? `; containers ${waiting.join(', ')}` : ''
      }`,
    };
  }
  const status = object.status ?? {};
  if (object.kind === 'DaemonSet') {
    const wanted = status.desiredNumberScheduled ?? 0;
    return {
      ready: (status.numberReady ?? 0) >= wanted,
      why: `${status.numberReady ?? 0}/${wanted} scheduled pods ready`,
    };
  }
  const wanted = object.spec?.replicas ?? 1;
  const observed =
    status.observedGeneration === undefined ||
    object.metadata?.generation === undefined ||
    status.observedGeneration >= object.metadata.generation;
  return {
    ready: observed && (status.readyReplicas ?? 0) >= wanted && (status.updatedReplicas ?? wanted) >= wanted,
    why: `${status.readyReplicas ?? 0}/${wanted} replicas ready, ${status.updatedReplicas ?? '?'} updated${observed ? '' : ', latest generation not observed yet'}`,
  };
}

function outcome(context: MatcherContext, pass: boolean, subject: string, expectation: string, found: string): Result {
  return {
    pass,
    message: () => `expected ${subject} ${context.isNot ? 'not ' : ''}${expectation}, but ${found}`,
  };
}

function requireObject(value: unknown, matcher: string, wanted: string): asserts value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') {
    throw new TypeError(`${matcher}: expected ${wanted}, received ${String(value)}`);
  }
}

export const chartTestwareMatchers = {
  toBeReady(this: MatcherContext, received: unknown): Result {
    requireObject(received, 'toBeReady', 'a Pod or a workload object (Deployment, StatefulSet, ReplicaSet, DaemonSet)');
    const object = received as Workload;
    const { ready, why } = readiness(object);
    return outcome(this, ready, objectName(object), 'to be ready', `it has ${why}`);
  },

  toHaveRunningContainers(this: MatcherContext, received: unknown, count: number): Result {
    requireObject(received, 'toHaveRunningContainers', 'a Pod');
    const pod = received as Workload;
    const statuses = pod.status?.containerStatuses ?? [];
    const running = statuses.filter((c) => c.state?.running);
    const states = statuses.map(
      (c) =>
        `${c.name}: ${Object.keys(c.state ?? {})[0] ?? 'unknown'}${c.state?.waiting?.reason ? ` (${c.state.waiting.reason})` : ''}`,
    );
    return outcome(
      this,
      running.length === count,
      objectName(pod),
      `to have ${count} running container${count === 1 ? '' : 's'}`,
      `${running.length} ${running.length === 1 ? 'is' : 'are'} running (${states.join(', ') || 'no container status yet'})`,
    );
  },

  toBeListening(this: MatcherContext, received: unknown): Result {
    requireObject(received, 'toBeListening', 'a SocketState from host.socket(url)');
    const socket = received as unknown as SocketState;
    if (typeof socket.isListening !== 'boolean')
      throw new TypeError('toBeListening: expected a SocketState from host.socket(url)');
    return outcome(
      this,
      socket.isListening,
      `socket ${socket.url} on ${socket.host}`,
      'to be listening',
      socket.isListening
        ? `it is (${socket.listeners.map((l) => `${l.localAddress}:${l.localPort}`).join(', ')})`
        : `it is not; ${socket.describe()}`,
    );
  },

  toExist(this: MatcherContext, received: unknown): Result {
    requireObject(received, 'toExist', 'a FileState, UserState, GroupState or PackageState');
    if ('isInstalled' in received) {
      const pkg = received as unknown as PackageState;
      return outcome(
        this,
        pkg.isInstalled,
        `package ${pkg.name} on ${pkg.host}`,
        'to be installed',
        pkg.isInstalled ? `${pkg.manager} has version ${pkg.version}` : `${pkg.manager} does not have it installed`,
      );
    }
    if ('path' in received && 'exists' in received) {
      const file = received as unknown as FileState;
      return outcome(this, file.exists, `file ${file.path} on ${file.host}`, 'to exist', `it is ${file.describe()}`);
    }
    if ('exists' in received && 'name' in received) {
      const entry = received as unknown as UserState | GroupState;
      const kind = 'shell' in entry ? 'user' : 'group';
      const found = entry.exists
        ? `it does (${kind === 'user' ? 'uid' : 'gid'} ${'uid' in entry ? entry.uid : entry.gid})`
        : `there is no such ${kind} in /etc/${kind === 'user' ? 'passwd' : 'group'}`;
      return outcome(this, entry.exists, `${kind} ${entry.name} on ${entry.host}`, 'to exist', found);
    }
    throw new TypeError('toExist: expected a FileState, UserState, GroupState or PackageState');
  },

  toContainLogLine(this: MatcherContext, received: unknown, text: string): Result {
    const lines = logLines(received);
    const found = lines.find((line) => line.includes(text));
    const tail = lines
      .slice(-5)
      .map((line) => `    ${line}`)
      .join('\n');
    return outcome(
      this,
      found !== undefined,
      `the log (${lines.length} lines)`,
      `to contain a line with ${JSON.stringify(text)}`,
      found !== undefined
        ? `this line has it: ${found}`
        : lines.length
          ? `none has it; the last lines:\n${tail}`
          : 'it is empty',
    );
  },
};

function logLines(received: unknown): string[] {
  if (typeof received === 'string') return received.split('\n').filter((line) => line !== '');
  if (Array.isArray(received)) {
    return received.flatMap((entry: unknown) => {
      if (typeof entry === 'string') return [entry];
      const message = (entry as { message?: unknown } | null)?.message;
      return typeof message === 'string' ? [message] : [];
    });
  }
  throw new TypeError('toContainLogLine: expected log text, an array of lines, or records with a message');
}

expect.extend(chartTestwareMatchers);
