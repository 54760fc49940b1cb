import { listAt, mapAt, mapsAt, textAt, valueAt } from '../json-access.ts';
import type { FindingDraft, PolicyCheck } from '../policy-check.ts';
import { findingAt, type PolicyContext, type PolicyObject } from '../policy-context.ts';
import { type ContainerAt, containersOf, describeContainer, podSpecsOf, securityField } from '../workloads.ts';

const podSecurity = 'Scheduling and running cloud native application suites > Security > Pod Security Policies';

function perContainer(
  context: PolicyContext,
  visit: (container: ContainerAt, object: PolicyObject) => FindingDraft | undefined,
): FindingDraft[] {
  return context.objects.flatMap((object) =>
    containersOf(object).flatMap((container) => visit(container, object) ?? []),
  );
}

export const noPrivileged: PolicyCheck = {
  id: 'no-privileged',
  severity: 'error',
  rule: 'No container runs privileged.',
  section:
    'Kubernetes primitives > The Pod > Sharing, Networking, Devices, Host Resource Access; Pod Security Policies',
  needs: ['render'],
  run(context) {
    return perContainer(context, (container, object) =>
      valueAt(container.container, 'securityContext', 'privileged') === true
        ? findingAt(
            object,
            `${describeContainer(container)} runs privileged: it has root access to the node`,
            'remove securityContext.privileged (ask the platform team for the narrow capability or device plugin needed)',
          )
        : undefined,
    );
  },
};

export const noPrivilegeEscalation: PolicyCheck = {
  id: 'no-privilege-escalation',
  severity: 'error',
  rule: 'No container allows privilege escalation (allowPrivilegeEscalation: true).',
  section: podSecurity,
  needs: ['render'],
  run(context) {
    return perContainer(context, (container, object) =>
      valueAt(container.container, 'securityContext', 'allowPrivilegeEscalation') === true
        ? findingAt(
            object,
            `${describeContainer(container)} sets allowPrivilegeEscalation: true`,
            'set securityContext.allowPrivilegeEscalation: false',
          )
        : undefined,
    );
  },
};

export const noHostNamespaces: PolicyCheck = {
  id: 'no-host-namespaces',
  severity: 'error',
  rule: "No pod shares the node's network, PID or IPC namespace (hostNetwork, hostPID, hostIPC).",
  section: podSecurity,
  needs: ['render'],
  run(context) {
    return context.objects.flatMap((object) =>
      podSpecsOf(object).flatMap((pod) => {
        const shared = ['hostNetwork', 'hostPID', 'hostIPC'].filter((field) => pod.spec[field] === true);
        return shared.length === 0
          ? []
          : [
              findingAt(
                object,
                `pod spec sets ${shared.map((field) => `${field}: true`).join(', ')}`,
                `remove ${shared.join(', ')} (hostNetwork needs a discussion with operations first)`,
              ),
            ];
      }),
    );
  },
};

export const noHostPort: PolicyCheck = {
  id: 'no-host-port',
  severity: 'error',
  rule: 'No container port binds a hostPort.',
  section: podSecurity,
  needs: ['render'],
  run(context) {
    return perContainer(context, (container, object) => {
      const bound = mapsAt(container.container, 'ports').filter((port) => Number(port.hostPort ?? 0) > 0);
      return bound.length === 0
        ? undefined
        : findingAt(
            object,
            `${describeContainer(container)} binds hostPort ${bound.map((port) => port.hostPort).join(', ')}: one such pod per node, and host ports are restricted`,
            'remove hostPort and expose the port through a Service',
          );
    });
  },
};

export const noHostPath: PolicyCheck = {
  id: 'no-host-path',
  severity: 'warning',
  rule: 'No pod mounts a hostPath volume.',
  section: podSecurity,
  needs: ['render'],
  run(context) {
    return context.objects.flatMap((object) =>
      podSpecsOf(object).flatMap((pod) =>
        mapsAt(pod.spec, 'volumes')
          .filter((volume) => mapAt(volume, 'hostPath') !== undefined)
          .map((volume) =>
            findingAt(
              object,
              `volume "${textAt(volume, 'name') ?? '?'}" mounts hostPath ${textAt(volume, 'hostPath', 'path') ?? '?'} (host paths are restricted)`,
              'use an emptyDir, a ConfigMap/Secret, or a PersistentVolumeClaim instead',
            ),
          ),
      ),
    );
  },
};

export const runAsNonRoot: PolicyCheck = {
  id: 'run-as-non-root',
  severity: 'error',
  rule: 'Every container runs as a non-root user (runAsNonRoot: true or a non-zero runAsUser).',
  section: podSecurity,
  needs: ['render'],
  run(context) {
    return perContainer(context, (container, object) => {
      if (container.type === 'ephemeralContainer') return undefined;
      const nonRoot = securityField(container, 'runAsNonRoot');
      const user = securityField(container, 'runAsUser');
      if (user === 0 || user === '0') {
        return findingAt(
          object,
          `${describeContainer(container)} runs as user 0 (root)`,
          'run as a non-root user: runAsUser: <uid > 0> and runAsNonRoot: true',
        );
      }
      if (nonRoot === true || (typeof user === 'number' && user > 0)) return undefined;
      return findingAt(
        object,
        `${describeContainer(container)} may run as root: neither runAsNonRoot: true nor a non-zero runAsUser is set`,
        'set securityContext.runAsNonRoot: true (pod or container) and a runAsUser, and build the image with a non-root USER',
      );
    });
  },
};

export const noClusterRbac: PolicyCheck = {
  id: 'no-cluster-rbac',
  severity: 'error',
  rule: 'The chart creates no ClusterRole or ClusterRoleBinding (Role and RoleBinding stay in the namespace).',
  section: 'Scheduling and running cloud native application suites > Security > Roles',
  needs: ['render'],
  run(context) {
    return context.objects
      .filter((object) => object.kind === 'ClusterRole' || object.kind === 'ClusterRoleBinding')
      .map((object) =>
        findingAt(
          object,
          `the chart creates a ${object.kind}, with cluster-wide rights`,
          `use a ${object.kind === 'ClusterRole' ? 'Role' : 'RoleBinding'} in the release namespace`,
        ),
      );
  },
};

export const serviceAccountToken: PolicyCheck = {
  id: 'service-account-token',
  severity: 'warning',
  rule: 'Pods do not mount a service-account token unless they need the Kubernetes API.',
  section: podSecurity,
  needs: ['render'],
  run(context) {
    const accounts = new Map(
      context.objects
        .filter((object) => object.kind === 'ServiceAccount')
        .map((object) => [object.name, object.object.automountServiceAccountToken]),
    );
    return context.objects.flatMap((object) =>
      podSpecsOf(object).flatMap((pod) => {
        const own = pod.spec.automountServiceAccountToken;
        if (own === false) return [];
        const account = textAt(pod.spec, 'serviceAccountName') ?? textAt(pod.spec, 'serviceAccount') ?? 'default';
        if (own === undefined && accounts.get(account) === false) return [];
        return [
          findingAt(
            object,
            own === true
              ? 'pod spec sets automountServiceAccountToken: true'
              : `pods mount the token of ServiceAccount "${account}" (automountServiceAccountToken is not false)`,
            'set automountServiceAccountToken: false on the pod spec or its ServiceAccount (waive this check with a reason if the pod calls the API)',
          ),
        ];
      }),
    );
  },
};

export const readOnlyRootFilesystem: PolicyCheck = {
  id: 'read-only-root-filesystem',
  severity: 'info',
  rule: 'Containers run with readOnlyRootFilesystem: true.',
  section: podSecurity,
  needs: ['render'],
  run(context) {
    return perContainer(context, (container, object) =>
      container.type === 'ephemeralContainer' ||
      valueAt(container.container, 'securityContext', 'readOnlyRootFilesystem') === true
        ? undefined
        : findingAt(
            object,
            `${describeContainer(container)} has a writable root filesystem`,
            'set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the program writes',
          ),
    );
  },
};

export const capabilitiesDropped: PolicyCheck = {
  id: 'capabilities-dropped',
  severity: 'info',
  rule: 'Containers drop all Linux capabilities (adding back only what they need).',
  section: podSecurity,
  needs: ['render'],
  run(context) {
    return perContainer(context, (container, object) => {
      if (container.type === 'ephemeralContainer') return undefined;
      const dropped = listAt(container.container, 'securityContext', 'capabilities', 'drop').map((cap) =>
        String(cap).toUpperCase(),
      );
      return dropped.includes('ALL')
        ? undefined
        : findingAt(
            object,
            `${describeContainer(container)} does not drop ALL capabilities`,
            'set securityContext.capabilities.drop: [ALL] (and add: only what is needed)',
          );
    });
  },
};

const credentialName = /(password|passwd|passphrase|secret|token|api[-_.]?key|private[-_.]?key|credentials?)$/i;

export const credentialsInSecrets: PolicyCheck = {
  id: 'credentials-in-secrets',
  severity: 'warning',
  rule: 'Passwords, tokens and keys are kept in Secrets, not in ConfigMaps or literal env values.',
  section: 'Managing configuration > Secrets',
  needs: ['render'],
  run(context) {
    const findings: FindingDraft[] = [];
    for (const object of context.objects) {
      if (object.kind === 'ConfigMap') {
        const keys = Object.keys(mapAt(object.object, 'data') ?? {}).filter((key) =>
          credentialName.test(key.replace(/\.[a-z]+$/i, '')),
        );
        if (keys.length > 0) {
          findings.push(
            findingAt(
              object,
              `ConfigMap holds credential-like key(s) ${keys.join(', ')}`,
              'move them into a Secret (secrets.yaml) and read them with secretKeyRef or a secret volume',
            ),
          );
        }
      }
      for (const container of containersOf(object)) {
        for (const env of mapsAt(container.container, 'env')) {
          const name = textAt(env, 'name') ?? '';
          const value = textAt(env, 'value');
          if (credentialName.test(name) && value !== undefined && value !== '' && !value.startsWith('$(')) {
            findings.push(
              findingAt(
                object,
                `${describeContainer(container)} sets ${name} to a literal value`,
                `read ${name} from a Secret: valueFrom.secretKeyRef`,
              ),
            );
          }
        }
      }
    }
    return findings;
  },
};

export const networkPolicyPresent: PolicyCheck = {
  id: 'network-policy-present',
  severity: 'info',
  rule: 'A chart with workloads restricts traffic to them with a NetworkPolicy.',
  section: 'Scheduling and running cloud native application suites > Security > Network Policies',
  needs: ['render'],
  run(context) {
    const workloads = context.objects.filter((object) => podSpecsOf(object).some((pod) => pod.longRunning));
    if (workloads.length === 0 || context.objects.some((object) => object.kind === 'NetworkPolicy')) return [];
    return [
      {
        template: `${context.source.name}/templates`,
        message: `the chart runs ${workloads.length} long-running workload(s) (${workloads
          .map((w) => `${w.kind}/${w.name}`)
          .slice(0, 4)
          .join(', ')}) and renders no NetworkPolicy`,
        fix: 'add a NetworkPolicy that admits only the expected clients on the expected ports',
      },
    ];
  },
};

export const securityChecks: readonly PolicyCheck[] = [
  noPrivileged,
  noPrivilegeEscalation,
  noHostNamespaces,
  noHostPort,
  noHostPath,
  runAsNonRoot,
  noClusterRbac,
  serviceAccountToken,
  readOnlyRootFilesystem,
  capabilitiesDropped,
  credentialsInSecrets,
  networkPolicyPresent,
];
