// A small operator for chart-testware's readiness tests, run by Node 24 (TypeScript natively, no dependencies).
// It watches the custom resources of group ct.example.org in its own namespace and reconciles each Widget and
// Gadget into a Deployment of WORKLOAD_IMAGE, then writes the resource's status:
// - Widget, by the Kubernetes conventions: status.observedGeneration and the conditions Ready and Reconciling;
//   spec.fail: "<message>" makes it write Stalled=True (and Ready=False) with that message;
// - Gadget, the way the Tango operator's DeviceServer does: only status.state (Pending / Running / Error) and
//   status.message, no conditions;
// - Gizmo (a kind its CRD defines with a status subresource) is never touched: it stays without status.
// GET /healthz answers 200 once the first reconcile pass listed everything.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { request } from 'node:https';

const group = 'ct.example.org';
const version = 'v1';
const namespace = required('NAMESPACE');
const workloadImage = required('WORKLOAD_IMAGE');
const serviceAccount = '/var/run/secrets/kubernetes.io/serviceaccount';
const token = readFileSync(`${serviceAccount}/token`, 'utf8').trim();
const ca = readFileSync(`${serviceAccount}/ca.crt`);
const apiHost = required('KUBERNETES_SERVICE_HOST');
const apiPort = Number(process.env.KUBERNETES_SERVICE_PORT ?? '443');

interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
}

interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; uid: string; generation?: number; resourceVersion?: string; deletionTimestamp?: string };
  spec?: { replicas?: number; fail?: string };
  status?: Record<string, unknown> & { conditions?: Condition[] };
}

interface Deployment {
  metadata: { name: string; generation?: number };
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; availableReplicas?: number; updatedReplicas?: number };
}

interface List<T> {
  metadata: { resourceVersion: string };
  items: T[];
}

const reconciledKinds = [
  { kind: 'Widget', plural: 'widgets' },
  { kind: 'Gadget', plural: 'gadgets' },
] as const;

let healthy = false;
let pending: NodeJS.Timeout | undefined;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString()} ${message}\n`);
}

function call<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: apiHost,
        port: apiPort,
        path,
        method,
        ca,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(payload ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) } : {}),
        },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 500) >= 300) {
            const error = new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`) as Error & {
              status?: number;
            };
            error.status = res.statusCode;
            reject(error);
          } else {
            resolve(text ? (JSON.parse(text) as T) : (undefined as T));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

const customPath = (plural: string, name = '') =>
  `/apis/${group}/${version}/namespaces/${namespace}/${plural}${name ? `/${name}` : ''}`;
const deploymentPath = (name = '') => `/apis/apps/v1/namespaces/${namespace}/deployments${name ? `/${name}` : ''}`;

function deploymentName(resource: Resource): string {
  return `${resource.kind.toLowerCase()}-${resource.metadata.name}`.slice(0, 63).replace(/-+$/, '');
}

function desiredDeployment(resource: Resource): unknown {
  const labels = {
    'app.kubernetes.io/name': deploymentName(resource),
    'app.kubernetes.io/managed-by': 'widget-controller',
    'ct.example.org/owner': resource.metadata.name,
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: deploymentName(resource),
      namespace,
      labels,
      ownerReferences: [
        {
          apiVersion: resource.apiVersion,
          kind: resource.kind,
          name: resource.metadata.name,
          uid: resource.metadata.uid,
          controller: true,
        },
      ],
    },
    spec: {
      replicas: resource.spec?.replicas ?? 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': deploymentName(resource) } },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'workload',
              image: workloadImage,
              imagePullPolicy: 'IfNotPresent',
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              resources: { requests: { cpu: '5m', memory: '24Mi' }, limits: { cpu: '100m', memory: '96Mi' } },
            },
          ],
        },
      },
    },
  };
}

/** Creates or scales the resource's Deployment; returns it as the API server has it. */
async function ensureDeployment(resource: Resource, existing: Deployment | undefined): Promise<Deployment> {
  const replicas = resource.spec?.replicas ?? 1;
  if (!existing) {
    log(`${resource.kind} ${resource.metadata.name}: creating Deployment ${deploymentName(resource)}`);
    return call<Deployment>('POST', deploymentPath(), desiredDeployment(resource));
  }
  if ((existing.spec?.replicas ?? 1) !== replicas) {
    log(`${resource.kind} ${resource.metadata.name}: scaling to ${replicas}`);
    return call<Deployment>(
      'PATCH',
      deploymentPath(existing.metadata.name),
      { spec: { replicas } },
      'application/merge-patch+json',
    );
  }
  return existing;
}

function available(deployment: Deployment, replicas: number): boolean {
  const status = deployment.status ?? {};
  return (
    (status.observedGeneration ?? 0) >= (deployment.metadata.generation ?? 1) &&
    (status.updatedReplicas ?? 0) >= replicas &&
    (status.availableReplicas ?? 0) >= replicas
  );
}

function condition(type: string, status: Condition['status'], reason: string, message: string, generation: number) {
  return { type, status, reason, message, observedGeneration: generation };
}

/** The status a resource should have now. */
async function desiredStatus(
  resource: Resource,
  deployments: Map<string, Deployment>,
): Promise<Record<string, unknown>> {
  const generation = resource.metadata.generation ?? 1;
  const failure = resource.spec?.fail;
  if (resource.kind === 'Gadget') {
    if (failure) return { state: 'Error', message: failure };
    const deployment = await ensureDeployment(resource, deployments.get(deploymentName(resource)));
    const replicas = resource.spec?.replicas ?? 1;
    return available(deployment, replicas)
      ? { state: 'Running', message: `${replicas} replica(s) available` }
      : { state: 'Pending', message: `${deployment.status?.availableReplicas ?? 0}/${replicas} replicas available` };
  }
  if (failure) {
    return {
      observedGeneration: generation,
      conditions: [
        condition('Ready', 'False', 'ReconcileFailed', failure, generation),
        condition('Stalled', 'True', 'ReconcileFailed', failure, generation),
      ],
    };
  }
  const deployment = await ensureDeployment(resource, deployments.get(deploymentName(resource)));
  const replicas = resource.spec?.replicas ?? 1;
  const done = available(deployment, replicas);
  const progress = `${deployment.status?.availableReplicas ?? 0}/${replicas} replicas available`;
  return {
    observedGeneration: generation,
    conditions: done
      ? [
          condition('Ready', 'True', 'Available', progress, generation),
          condition('Reconciling', 'False', 'Available', progress, generation),
        ]
      : [
          condition('Ready', 'False', 'Progressing', progress, generation),
          condition('Reconciling', 'True', 'Progressing', progress, generation),
        ],
  };
}

/** The status without the times, to see whether anything changed. */
function comparable(status: Record<string, unknown> | undefined): string {
  const { conditions, ...rest } = (status ?? {}) as { conditions?: Condition[] };
  return JSON.stringify({
    ...rest,
    conditions: conditions?.map(({ lastTransitionTime: _time, ...fields }) => fields),
  });
}

async function reconcileAll(): Promise<void> {
  const deployments = new Map(
    (
      await call<List<Deployment>>(
        'GET',
        `${deploymentPath()}?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dwidget-controller`,
      )
    ).items.map((deployment) => [deployment.metadata.name, deployment]),
  );
  for (const { plural } of reconciledKinds) {
    const list = await call<List<Resource>>('GET', customPath(plural));
    for (const resource of list.items) {
      if (resource.metadata.deletionTimestamp) continue;
      try {
        const status = await desiredStatus(resource, deployments);
        if (comparable(status) === comparable(resource.status)) continue;
        const now = new Date().toISOString();
        const conditions = (status.conditions as Condition[] | undefined)?.map((wanted) => {
          const before = resource.status?.conditions?.find((old) => old.type === wanted.type);
          return { ...wanted, lastTransitionTime: before?.status === wanted.status ? before.lastTransitionTime : now };
        });
        await call(
          'PATCH',
          `${customPath(plural, resource.metadata.name)}/status`,
          { status: conditions ? { ...status, conditions } : status },
          'application/merge-patch+json',
        );
        log(`${resource.kind} ${resource.metadata.name}: status ${comparable(status)}`);
      } catch (error) {
        log(`${resource.kind} ${resource.metadata.name}: ${(error as Error).message}`);
      }
    }
  }
  healthy = true;
}

/** Reconciles everything soon (events come in bursts: one pass for a burst). */
function schedule(delayMs = 200): void {
  if (pending) return;
  pending = setTimeout(() => {
    pending = undefined;
    reconcileAll().catch((error: unknown) => {
      log(`reconcile failed: ${(error as Error).message}`);
      schedule(2_000);
    });
  }, delayMs);
}

/** Watches a collection; any event schedules a reconcile. Reopened when it ends. */
function watch(path: string): void {
  const restart = () => setTimeout(() => watch(path), 1_000);
  const req = request(
    {
      host: apiHost,
      port: apiPort,
      path: `${path}${path.includes('?') ? '&' : '?'}watch=1&timeoutSeconds=240`,
      ca,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    },
    (res) => {
      res.on('data', () => schedule());
      res.on('end', restart);
      res.on('error', restart);
    },
  );
  req.on('error', (error) => {
    log(`watch ${path}: ${error.message}`);
    restart();
  });
  req.end();
}

createServer((req, res) => {
  const ok = req.url === '/healthz' && healthy;
  res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
  res.end(ok ? 'ok\n' : 'not synced\n');
}).listen(Number(process.env.PORT ?? '8080'));

log(`widget-controller: namespace ${namespace}, workload image ${workloadImage}`);
for (const { plural } of reconciledKinds) watch(customPath(plural));
watch(`${deploymentPath()}?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dwidget-controller`);
schedule(0);
// a resync now and then, as controllers do, in case a watch event was missed
setInterval(() => schedule(), 15_000);
