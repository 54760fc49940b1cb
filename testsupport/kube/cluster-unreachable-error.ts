import { ChartTestwareError } from '../errors.ts';

/** The cluster of the kubeconfig cannot be used: unreachable, or it refuses the kubeconfig's identity. */
export class ClusterUnreachableError extends ChartTestwareError {}
