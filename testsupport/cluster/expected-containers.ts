import type { KubernetesObject, V1PodTemplateSpec } from '@kubernetes/client-node';
import type { RenderedDocument } from '../helm/rendered-document.ts';

/** One container the rendered charts say must be running, and in how many pods. */
export interface ExpectedContainer {
  /** "StatefulSet/tango-base-databaseds". */
  readonly workload: string;
  readonly container: string;
  /** Pods of the workload expected to run this container (its replicas; for a DaemonSet, the schedulable nodes). */
  readonly count: number;
  /** The workload's pod selector (matchLabels), to find its pods; undefined for a bare Pod (found by name). */
  readonly selector: Readonly<Record<string, string>> | undefined;
  /** For a bare Pod: its name. */
  readonly podName?: string;
}

interface WorkloadLike extends KubernetesObject {
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> }; template?: V1PodTemplateSpec };
}

/**
 * The long-running containers the rendered charts define: Deployments, StatefulSets and ReplicaSets x replicas,
 * DaemonSets x `nodes`, and bare Pods. Init containers, Jobs, CronJobs and helm hooks (tests, jobs) are left out:
 * they are not meant to keep running.
 */
export function expectedContainers(
  documents: readonly (KubernetesObject | RenderedDocument)[],
  { nodes = 1 }: { nodes?: number } = {},
): ExpectedContainer[] {
  const expected: ExpectedContainer[] = [];
  for (const document of documents) {
    const object = ('object' in document && 'template' in document ? document.object : document) as WorkloadLike;
    if (object.metadata?.annotations?.['helm.sh/hook']) continue;
    const workload = `${object.kind}/${object.metadata?.name}`;
    if (object.kind === 'Pod') {
      const spec = (object as { spec?: V1PodTemplateSpec['spec'] }).spec;
      if (spec?.restartPolicy && spec.restartPolicy !== 'Always') continue;
      for (const container of spec?.containers ?? []) {
        expected.push({
          workload,
          container: container.name,
          count: 1,
          selector: undefined,
          podName: object.metadata?.name,
        });
      }
      continue;
    }
    if (!['Deployment', 'StatefulSet', 'ReplicaSet', 'DaemonSet'].includes(object.kind ?? '')) continue;
    const count = object.kind === 'DaemonSet' ? nodes : (object.spec?.replicas ?? 1);
    if (count === 0) continue;
    for (const container of object.spec?.template?.spec?.containers ?? []) {
      expected.push({ workload, container: container.name, count, selector: object.spec?.selector?.matchLabels });
    }
  }
  return expected;
}
