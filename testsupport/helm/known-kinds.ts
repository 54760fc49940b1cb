import type {
  V1ConfigMap,
  V1CronJob,
  V1CustomResourceDefinition,
  V1DaemonSet,
  V1Deployment,
  V1HorizontalPodAutoscaler,
  V1Ingress,
  V1Job,
  V1NetworkPolicy,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1PodDisruptionBudget,
  V1Role,
  V1RoleBinding,
  V1Secret,
  V1Service,
  V1ServiceAccount,
  V1StatefulSet,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';

/** Kinds whose client-node model type `ofKind('Kind')` knows without a type argument. */
export interface KnownKinds {
  ConfigMap: V1ConfigMap;
  CronJob: V1CronJob;
  CustomResourceDefinition: V1CustomResourceDefinition;
  DaemonSet: V1DaemonSet;
  Deployment: V1Deployment;
  HorizontalPodAutoscaler: V2HorizontalPodAutoscaler | V1HorizontalPodAutoscaler;
  Ingress: V1Ingress;
  Job: V1Job;
  NetworkPolicy: V1NetworkPolicy;
  PersistentVolume: V1PersistentVolume;
  PersistentVolumeClaim: V1PersistentVolumeClaim;
  Pod: V1Pod;
  PodDisruptionBudget: V1PodDisruptionBudget;
  Role: V1Role;
  RoleBinding: V1RoleBinding;
  Secret: V1Secret;
  Service: V1Service;
  ServiceAccount: V1ServiceAccount;
  StatefulSet: V1StatefulSet;
}
