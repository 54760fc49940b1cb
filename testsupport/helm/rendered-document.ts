import type { KubernetesObject } from '@kubernetes/client-node';
import type { DuplicateKey } from './manifest-parser.ts';

/** One manifest of a rendered chart, with the template it came from (helm's `# Source:` line). */
export interface RenderedDocument<T extends KubernetesObject = KubernetesObject> {
  readonly object: T;
  /** Path as helm prints it, e.g. "tango-base/templates/tangodb.yaml" or "parent/charts/child/templates/x.yaml". */
  readonly template: string;
  /** Position of the document in helm's output. */
  readonly index: number;
  /** Keys written more than once in this document (helm and the cluster keep the last); absent when none. */
  readonly duplicateKeys?: readonly DuplicateKey[];
}
