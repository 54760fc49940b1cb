import { mapAt, textAt } from '../json-access.ts';
import type { PolicyCheck } from '../policy-check.ts';
import { findingAt } from '../policy-context.ts';
import { containersOf, describeContainer } from '../workloads.ts';

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

export const containerChecks: readonly PolicyCheck[] = [containerResources, containerProbes];
