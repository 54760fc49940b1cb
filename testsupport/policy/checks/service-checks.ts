import { isMap, listAt, mapAt, mapsAt, textAt } from '../json-access.ts';
import type { FindingDraft, PolicyCheck } from '../policy-check.ts';
import { findingAt, hooksOf, labelsOf, type PolicyContext, type PolicyObject } from '../policy-context.ts';
import { podSpecsOf } from '../workloads.ts';

const section = 'Kubernetes primitives > Use of Services';

const services = (context: PolicyContext): PolicyObject[] =>
  context.objects.filter((object) => object.kind === 'Service');

function callerStrings(context: PolicyContext): Set<string> {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') found.add(value);
    else if (Array.isArray(value)) value.forEach(visit);
    else if (isMap(value)) Object.values(value).forEach(visit);
  };
  context.callerValues.forEach(visit);
  return found;
}

export const serviceTypeClusterIp: PolicyCheck = {
  id: 'service-type-clusterip',
  severity: 'warning',
  rule: 'Services are ClusterIP unless the values given ask for NodePort or LoadBalancer.',
  section,
  needs: ['render'],
  run(context) {
    const asked = callerStrings(context);
    return services(context).flatMap((service) => {
      const type = textAt(service.object, 'spec', 'type') ?? 'ClusterIP';
      if (type === 'ClusterIP' || type === 'ExternalName' || asked.has(type)) return [];
      return [
        findingAt(
          service,
          `Service type is ${type} with the chart's default values (it reserves node ports or an external address)`,
          'default to `type: ClusterIP` in values.yaml and let an environment ask for NodePort/LoadBalancer in its values',
        ),
      ];
    });
  },
};

export const serviceTypeDeclared: PolicyCheck = {
  id: 'service-type-declared',
  severity: 'info',
  rule: 'Services declare their type explicitly (type: ClusterIP).',
  section,
  needs: ['render'],
  run(context) {
    return services(context)
      .filter((service) => textAt(service.object, 'spec', 'type') === undefined)
      .map((service) =>
        findingAt(
          service,
          'Service does not declare spec.type',
          'write `type: {{ .Values.service.type }}` with ClusterIP as the default',
        ),
      );
  },
};

export const servicePortsQualified: PolicyCheck = {
  id: 'service-ports-qualified',
  severity: 'error',
  rule: 'Every Service port has name, port, protocol and targetPort.',
  section,
  needs: ['render'],
  run(context) {
    return services(context).flatMap((service) =>
      mapsAt(service.object, 'spec', 'ports').flatMap((port, index) => {
        const missing = ['name', 'port', 'protocol', 'targetPort'].filter((field) => textAt(port, field) === undefined);
        return missing.length === 0
          ? []
          : [
              findingAt(
                service,
                `port ${textAt(port, 'name') ?? `#${index}`} (${textAt(port, 'port') ?? '?'}) has no ${missing.join(', ')}`,
                'write every port in full: name, port, protocol: TCP and targetPort (preferably the container port name)',
              ),
            ];
      }),
    );
  },
};

export const serviceTargetPortNamed: PolicyCheck = {
  id: 'service-target-port-named',
  severity: 'info',
  rule: "A Service port's targetPort is the container port's name, the same as the Service port's name.",
  section,
  needs: ['render'],
  run(context) {
    return services(context).flatMap((service) =>
      mapsAt(service.object, 'spec', 'ports').flatMap((port, index) => {
        const name = textAt(port, 'name');
        const target = textAt(port, 'targetPort');
        if (name === undefined || target === undefined || target === name) return [];
        return [
          findingAt(
            service,
            `port ${name} (#${index}) targets ${/^\d+$/.test(target) ? 'port number' : 'container port'} ${target}, not "${name}"`,
            `name the container port "${name}" and write targetPort: ${name}, so the interface documents itself`,
          ),
        ];
      }),
    );
  },
};

function mentionsRelease(values: unknown[], release: string): boolean {
  return values.some((value) => String(value).includes(release));
}

export const serviceSelectorReleaseSpecific: PolicyCheck = {
  id: 'service-selector-release-specific',
  severity: 'error',
  rule: 'A Service selector selects by the release (app.kubernetes.io/instance), so it never picks pods of another release.',
  section,
  needs: ['render'],
  run(context) {
    return services(context).flatMap((service) => {
      const selector = mapAt(service.object, 'spec', 'selector');
      if (!selector || Object.keys(selector).length === 0) return [];
      return mentionsRelease(Object.values(selector), context.releaseName)
        ? []
        : [
            findingAt(
              service,
              `selector ${JSON.stringify(selector)} does not depend on the release: it also selects pods of other releases in the namespace`,
              'add app.kubernetes.io/instance: {{ .Release.Name }} to the selector (and to the pod template labels)',
            ),
          ];
    });
  },
};

function workloadPods(context: PolicyContext): { owner: PolicyObject; labels: Record<string, string> }[] {
  return context.objects
    .filter((object) => hooksOf(object).length === 0)
    .flatMap((object) => podSpecsOf(object).map((pod) => ({ owner: object, labels: labelsOf(pod.podTemplate) })));
}

export const serviceSelectsOneWorkload: PolicyCheck = {
  id: 'service-selects-one-workload',
  severity: 'warning',
  rule: 'A Service with a selector selects the pods of exactly one workload of the chart.',
  section,
  needs: ['render'],
  run(context) {
    const pods = workloadPods(context);
    return services(context).flatMap((service) => {
      const selector = mapAt(service.object, 'spec', 'selector');
      if (!selector || Object.keys(selector).length === 0) return [];
      const owners = new Set(
        pods
          .filter((pod) => Object.entries(selector).every(([key, value]) => pod.labels[key] === String(value)))
          .map((pod) => `${pod.owner.kind}/${pod.owner.name}`),
      );
      if (owners.size === 1) return [];
      return [
        findingAt(
          service,
          owners.size === 0
            ? `selector ${JSON.stringify(selector)} matches no pod template of the chart`
            : `selector ${JSON.stringify(selector)} matches the pods of ${owners.size} workloads: ${[...owners].join(', ')}`,
          owners.size === 0
            ? 'make the selector equal to the pod template labels of the workload it fronts'
            : 'give each workload its own Service, with a selector that includes a component label',
        ),
      ];
    });
  },
};

export const workloadSelectorReleaseSpecific: PolicyCheck = {
  id: 'workload-selector-release-specific',
  severity: 'warning',
  rule: 'Deployment, StatefulSet, DaemonSet and ReplicaSet selectors select by the release.',
  section: 'Defining and building cloud native application suites > Name and Labels',
  needs: ['render'],
  run(context) {
    const findings: FindingDraft[] = [];
    for (const object of context.objects) {
      if (!['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(object.kind)) continue;
      const matchLabels = mapAt(object.object, 'spec', 'selector', 'matchLabels') ?? {};
      const expressionValues = mapsAt(object.object, 'spec', 'selector', 'matchExpressions').flatMap((expression) =>
        listAt(expression, 'values'),
      );
      if (!mentionsRelease([...Object.values(matchLabels), ...expressionValues], context.releaseName)) {
        findings.push(
          findingAt(
            object,
            `spec.selector ${JSON.stringify(mapAt(object.object, 'spec', 'selector') ?? {})} does not depend on the release`,
            'add app.kubernetes.io/instance: {{ .Release.Name }} to spec.selector.matchLabels and the pod template labels',
          ),
        );
      }
    }
    return findings;
  },
};

export const ingressSingle: PolicyCheck = {
  id: 'ingress-single',
  severity: 'error',
  rule: 'A chart renders at most one Ingress (subcharts count for themselves).',
  section: 'Kubernetes primitives > Use of Ingress',
  needs: ['render'],
  run(context) {
    const byChart = new Map<string, PolicyObject[]>();
    for (const object of context.objects) {
      if (object.kind !== 'Ingress') continue;
      const chart = object.template.split('/templates/')[0] ?? '';
      byChart.set(chart, [...(byChart.get(chart) ?? []), object]);
    }
    return [...byChart.entries()].flatMap(([chart, ingresses]) =>
      ingresses
        .slice(1)
        .map((ingress) =>
          findingAt(
            ingress,
            `chart ${chart} renders ${ingresses.length} Ingresses (${ingresses.map((i) => i.name).join(', ')}); this is one too many`,
            'serve every path and host from one Ingress, or split the chart so that each application publishes its own',
          ),
        ),
    );
  },
};

export const serviceChecks: readonly PolicyCheck[] = [
  serviceTypeClusterIp,
  serviceTypeDeclared,
  servicePortsQualified,
  serviceTargetPortNamed,
  serviceSelectorReleaseSpecific,
  serviceSelectsOneWorkload,
  workloadSelectorReleaseSpecific,
  ingressSingle,
];
