import { ChartTestwareError } from '../errors.ts';
import { describeRef, type ObjectRef } from '../kube/object-ref.ts';

/** The kubelet's or a controller's reasons that mean "this will not become ready by waiting longer". */
export type NotReadyReason =
  | 'ImagePullBackOff'
  | 'ErrImagePull'
  | 'ErrImageNeverPull'
  | 'InvalidImageName'
  | 'CrashLoopBackOff'
  | 'CreateContainerConfigError'
  | 'CreateContainerError'
  | 'RunContainerError'
  | 'Unschedulable'
  | 'FailedMount'
  | 'BackoffLimitExceeded'
  | 'DeadlineExceeded'
  | 'PodFailed'
  | 'ProgressDeadlineExceeded'
  | 'ClaimCannotBind'
  | 'ProvisioningFailed'
  | 'ResourceFailed';

const hints: Record<NotReadyReason, string> = {
  ImagePullBackOff: imageHint(),
  ErrImagePull: imageHint(),
  ErrImageNeverPull: imageHint(),
  InvalidImageName: 'fix the image reference in the chart values (registry/name:tag)',
  CrashLoopBackOff: 'the container keeps exiting: read its previous logs (see the command above) and its command/args',
  CreateContainerConfigError:
    'the container refers to a ConfigMap/Secret (or a key in one) that does not exist: check env/envFrom/volumes',
  CreateContainerError: 'the runtime could not create the container: check command, securityContext and mounts',
  RunContainerError: 'the runtime could not start the container: check that the command exists in the image',
  Unschedulable: 'no node fits the pod: check resource requests, nodeSelector/affinity, tolerations and PVCs',
  FailedMount: 'a volume cannot be mounted: check the ConfigMap/Secret/PVC the pod mounts exists',
  BackoffLimitExceeded: "the Job's pods failed too often: read their logs",
  DeadlineExceeded: 'the Job ran past its activeDeadlineSeconds',
  PodFailed: 'the pod ran to failure: read its logs',
  ProgressDeadlineExceeded: 'the Deployment made no progress: look at its pods and events',
  ClaimCannotBind: 'create a PersistentVolume that matches the claim (class, size, access mode) or use a StorageClass',
  ProvisioningFailed: "the StorageClass's provisioner failed: read the claim's events",
  ResourceFailed:
    'its controller reports it failed (or a readiness rule\'s "failed" holds): read its status and the controller\'s logs',
};

function imageHint(): string {
  return (
    'check the image name and tag in the chart values; the local cluster pulls nothing, so the image must be ' +
    'imported (`crictl images`) and the pod use imagePullPolicy IfNotPresent or Never'
  );
}

export interface NotReadyDetails {
  /** The object that waits (the workload named in the chart). */
  readonly object: ObjectRef;
  /** The object showing the reason, when different (its pod, its claim). */
  readonly source?: ObjectRef | undefined;
  readonly container?: string | undefined;
  readonly image?: string | undefined;
  readonly reason: NotReadyReason;
  /** The kubelet's or controller's own message. */
  readonly message: string;
  /** A command that shows more ("kubectl logs ... --previous"). */
  readonly inspect?: string | undefined;
  /**
   * The failure may be the release's start order, not a verdict: a container that crashes a few times until
   * another workload of the release (its database) is ready. A wait holds it back while such a workload is pending.
   */
  readonly mayWaitOnOthers?: boolean | undefined;
  /** The container's restarts so far (a crash loop). */
  readonly restarts?: number | undefined;
}

/** A deployed object cannot become ready; names the object, the container, the reason and what to try. */
export class ChartNotReadyError extends ChartTestwareError {
  readonly details: NotReadyDetails;

  constructor(details: NotReadyDetails) {
    const where = [
      details.source && details.source.name !== details.object.name ? `${describeRef(details.source)}` : undefined,
      details.container ? `container "${details.container}"` : undefined,
      details.image ? `image "${details.image}"` : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    super(
      `${describeRef(details.object)} cannot become ready: ${details.reason}${where ? ` (${where})` : ''}: ${
        details.message || '(no message)'
      }${details.inspect ? `\n  inspect: ${details.inspect}` : ''}`,
      { hint: hints[details.reason] },
    );
    this.details = details;
  }

  get reason(): NotReadyReason {
    return this.details.reason;
  }

  get mayWaitOnOthers(): boolean {
    return this.details.mayWaitOnOthers === true;
  }
}
