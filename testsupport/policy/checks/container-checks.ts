import { listAt, mapAt, mapsAt, textAt } from '../json-access.ts';
import type { PolicyCheck } from '../policy-check.ts';
import { findingAt } from '../policy-context.ts';
import { containersOf, describeContainer, podSpecsOf } from '../workloads.ts';

export const containerResources: PolicyCheck = {
  id: 'container-resources',
  severity: 'error',
  rule: 'Every container (init containers too) requests and limits both CPU and memory.',
  section: 'Scheduling and running cloud native application suites > Resource reservations and constraints',
  needs: ['render'],
  run(context) {
    return context.objects.flatMap((object) =>
      containersOf(object)
        .filter((container) => container.type !== 'ephemeralContainer')
        .flatMap((container) => {
          const resources = mapAt(container.container, 'resources');
          const missing = ['requests', 'limits'].flatMap((kind) =>
            ['cpu', 'memory']
              .filter((resource) => textAt(resources, kind, resource) === undefined)
              .map((resource) => `${kind}.${resource}`),
          );
          return missing.length === 0
            ? []
            : [
                findingAt(
                  object,
                  `${describeContainer(container)} has no resources.${missing.join(', resources.')}`,
                  'set resources from values: resources: {{- toYaml .Values.<component>.resources | nindent 12 }} with requests and limits for cpu and memory',
                ),
              ];
        }),
    );
  },
};

export const containerProbes: PolicyCheck = {
  id: 'container-probes',
  severity: 'error',
  rule: 'Every container of a long-running workload has a readinessProbe and a livenessProbe.',
  section: 'Kubernetes primitives > The Pod > readinessProbe/livenessProbe',
  needs: ['render'],
  run(context) {
    return context.objects.flatMap((object) =>
      containersOf(object, { init: false })
        .filter((container) => container.pod.longRunning)
        .flatMap((container) => {
          const missing = ['readinessProbe', 'livenessProbe'].filter(
            (probe) => mapAt(container.container, probe) === undefined,
          );
          return missing.length === 0
            ? []
            : [
                findingAt(
                  object,
                  `${describeContainer(container)} of a long-running ${object.kind} has no ${missing.join(' and no ')}`,
                  'add probes, preferably an HTTP health endpoint (httpGet on a named port) shared with the metrics handler',
                ),
              ];
        }),
    );
  },
};

const hostnameLabel = 'kubernetes.io/hostname';

export const noNodePinning: PolicyCheck = {
  id: 'no-node-pinning',
  severity: 'warning',
  rule: 'Pods are not pinned to a named node (nodeName, or a kubernetes.io/hostname nodeSelector or required node affinity).',
  section: 'Scheduling and running cloud native application suites > Scheduling',
  needs: ['render'],
  run(context) {
    return context.objects.flatMap((object) =>
      podSpecsOf(object).flatMap((pod) => {
        const pins: string[] = [];
        const nodeName = textAt(pod.spec, 'nodeName');
        if (nodeName) pins.push(`nodeName: ${nodeName}`);
        const selected = textAt(pod.spec, 'nodeSelector', hostnameLabel);
        if (selected) pins.push(`nodeSelector ${hostnameLabel}: ${selected}`);
        const terms = mapsAt(
          pod.spec,
          'affinity',
          'nodeAffinity',
          'requiredDuringSchedulingIgnoredDuringExecution',
          'nodeSelectorTerms',
        );
        for (const term of terms) {
          for (const expression of mapsAt(term, 'matchExpressions')) {
            if (textAt(expression, 'key') === hostnameLabel && textAt(expression, 'operator') === 'In') {
              pins.push(`required node affinity ${hostnameLabel} in [${listAt(expression, 'values').join(', ')}]`);
            }
          }
        }
        return pins.length === 0
          ? []
          : [
              findingAt(
                object,
                `pod spec pins the pods to a node: ${pins.join('; ')}`,
                'schedule by node labels that describe the need (rack, device, node role), set from values.yaml (nodeSelector/affinity/tolerations)',
              ),
            ];
      }),
    );
  },
};

export const containerChecks: readonly PolicyCheck[] = [containerResources, containerProbes, noNodePinning];
