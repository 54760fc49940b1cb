import { type JsonMap, mapAt, mapsAt, textAt } from './json-access.ts';
import { hooksOf, type PolicyObject } from './policy-context.ts';

/** A pod spec inside a rendered object (a Pod, a workload's template, a CronJob's job template...). */
export interface PodSpecAt {
  readonly owner: PolicyObject;
  readonly spec: JsonMap;
  /** The pod template (or the Pod itself): where the pod's labels are. */
  readonly podTemplate: JsonMap;
  /** Runs until stopped (probes make sense), as opposed to run-to-completion pods and hooks. */
  readonly longRunning: boolean;
}

export type ContainerType = 'container' | 'initContainer' | 'ephemeralContainer';

export interface ContainerAt {
  readonly pod: PodSpecAt;
  readonly container: JsonMap;
  readonly name: string;
  readonly type: ContainerType;
}

const controllers = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController']);

/** The pod specs of an object: known kinds by their schema, other kinds when they have spec.template.spec.containers. */
export function podSpecsOf(owner: PolicyObject): PodSpecAt[] {
  const object = owner.object;
  const hook = hooksOf(owner).length > 0;
  const found = (podTemplate: JsonMap | undefined, longRunning: boolean): PodSpecAt[] => {
    const spec = mapAt(podTemplate, 'spec');
    return podTemplate && spec && Array.isArray(spec.containers) ? [{ owner, spec, podTemplate, longRunning }] : [];
  };
  switch (owner.kind) {
    case 'Pod': {
      const restart = textAt(object, 'spec', 'restartPolicy') ?? 'Always';
      return found(object, restart === 'Always' && !hook);
    }
    case 'Job':
      return found(mapAt(object, 'spec', 'template'), false);
    case 'CronJob':
      return found(mapAt(object, 'spec', 'jobTemplate', 'spec', 'template'), false);
    case 'PodTemplate':
      return found(mapAt(object, 'template'), false);
    default:
      return found(mapAt(object, 'spec', 'template'), controllers.has(owner.kind) && !hook);
  }
}

/** Every container of every pod spec of an object (init and ephemeral containers included unless asked not to). */
export function containersOf(owner: PolicyObject, options: { init?: boolean } = {}): ContainerAt[] {
  const types: [ContainerType, string][] = [['container', 'containers']];
  if (options.init ?? true)
    types.push(['initContainer', 'initContainers'], ['ephemeralContainer', 'ephemeralContainers']);
  return podSpecsOf(owner).flatMap((pod) =>
    types.flatMap(([type, field]) =>
      mapsAt(pod.spec, field).map((container) => ({ pod, container, name: textAt(container, 'name') ?? '?', type })),
    ),
  );
}

/** `container "web"` / `init container "setup"`, for messages. */
export function describeContainer(container: ContainerAt): string {
  const prefix =
    container.type === 'container'
      ? 'container'
      : container.type === 'initContainer'
        ? 'init container'
        : 'ephemeral container';
  return `${prefix} "${container.name}"`;
}

/** The effective security context field of a container: the container's, else the pod's. */
export function securityField(container: ContainerAt, field: string): unknown {
  const own = mapAt(container.container, 'securityContext');
  if (own && field in own) return own[field];
  const pod = mapAt(container.pod.spec, 'securityContext');
  return pod && field in pod ? pod[field] : undefined;
}
