// The Test stage: a helm release that was deployed before the run (by a pipeline or a person), found and checked
// without changing anything. ChartDeployment.attach() builds on it; the runner's preflight uses it too.
import { loadOptions, type RunOptions } from '../config/options.ts';
import { ChartTestwareError, ConfigError } from '../errors.ts';
import { type HelmRelease, HelmTestAdaptor } from '../helm/helm-test-adaptor.ts';
import { apiMessage, apiStatus, kubeClients } from '../kube/kube-clients.ts';

/** Which release to attach to; each left out comes from the run's --deployed-namespace / --release. */
export interface AttachTarget {
  readonly release?: string;
  readonly namespace?: string;
  readonly helm?: HelmTestAdaptor;
  readonly options?: RunOptions;
}

/** The namespace or release to attach to does not exist (or cannot be told apart from others). */
export class DeployedReleaseError extends ConfigError {}

/** A release found by findDeployedRelease: what a ChartDeployment needs to wrap it. */
export interface FoundRelease {
  readonly chart: string;
  readonly releaseName: string;
  readonly namespace: string;
  readonly helm: HelmTestAdaptor;
  readonly options: RunOptions;
  readonly release: HelmRelease;
}

interface ListedRelease {
  readonly name: string;
  readonly revision: string;
  readonly status: string;
  readonly chart: string;
  readonly app_version?: string;
}

/**
 * Finds the release to attach to: the namespace must exist, and the release must be in it (by name, or the
 * namespace's only one). Reads only (`helm list`, `helm status`, one namespace GET).
 */
export async function findDeployedRelease(target: AttachTarget = {}): Promise<FoundRelease> {
  const options = target.options ?? loadOptions();
  const namespace = target.namespace ?? options.deployedNamespace;
  if (namespace === undefined) {
    throw new ConfigError('ChartDeployment.attach(): no namespace to attach to', {
      hint: "pass { namespace: 'NS' }, or run the tests with --deployed-namespace NS (CHART_TESTWARE_DEPLOYED_NAMESPACE)",
    });
  }
  const namespaceGivenAs =
    target.namespace !== undefined ? 'ChartDeployment.attach({ namespace })' : options.sources.deployedNamespace;
  const fromRun = target.release === undefined && namespace === options.deployedNamespace;
  const releaseName = target.release ?? (fromRun ? options.deployedRelease : undefined);
  const releaseGivenAs =
    target.release !== undefined ? 'ChartDeployment.attach({ release })' : options.sources.deployedRelease;
  await checkNamespaceExists(options, namespace, namespaceGivenAs);
  const helm = (target.helm ?? (await helmFor(options))).inNamespace(namespace);
  const releases = await listReleases(helm);
  const listed =
    releaseName === undefined ? onlyRelease(releases, namespace) : releases.find((r) => r.name === releaseName);
  if (!listed) {
    throw new DeployedReleaseError(
      `${releaseGivenAs} "${releaseName}": there is no helm release ${releaseName} in namespace ${namespace}`,
      { hint: `${releasesThere(releases, namespace)}; name one of them, or deploy the release first` },
    );
  }
  // helm 4's `status --output json` has no chart: the list's "<name>-<version>" is the one both helms give
  const status = await helm.status(listed.name);
  const release = { ...status, chart: listed.chart, appVersion: status.appVersion ?? listed.app_version };
  return { chart: listed.chart, releaseName: listed.name, namespace, helm, options, release };
}

/**
 * The runner's preflight of a Test-stage run: the deployed namespace exists and holds the release (--release) or
 * at least one release; returns one line saying what the tests will attach to.
 */
export async function checkDeployedTarget(options: RunOptions): Promise<string> {
  const namespace = options.deployedNamespace;
  if (namespace === undefined) throw new ChartTestwareError('checkDeployedTarget: the run has no --deployed-namespace');
  const helm = await helmFor(options);
  await checkNamespaceExists(options, namespace, options.sources.deployedNamespace);
  const releases = await listReleases(helm.inNamespace(namespace));
  if (options.deployedRelease === undefined && releases.length > 1) {
    const names = releases.map((release) => release.name).join(', ');
    return `namespace ${namespace} with releases ${names} (attach() needs { release }, or run with --release)`;
  }
  const found = await findDeployedRelease({ options, helm });
  const { revision, status, chart } = found.release;
  return `release ${found.releaseName} in namespace ${namespace} (${chart}, revision ${revision}, ${status})`;
}

/** What a method that would change an attached release throws: attach() never changes what it did not create. */
export function attachedReleaseChangeError(
  release: { readonly releaseName: string; readonly namespace: string },
  method: string,
): ChartTestwareError {
  return new ChartTestwareError(
    `${method}() refused: release ${release.releaseName} in ${release.namespace} was attached to (ChartDeployment.attach), not installed by this run, and is never changed by it`,
    {
      hint: 'change a deployed system with the pipeline that deployed it; to test an upgrade or an uninstall, ChartDeployment.install() a release of your own',
    },
  );
}

async function helmFor(options: RunOptions): Promise<HelmTestAdaptor> {
  return HelmTestAdaptor.create({ kubeContext: options.kubeContext, kubeconfig: options.kubeconfig });
}

async function checkNamespaceExists(options: RunOptions, namespace: string, givenAs: string): Promise<void> {
  try {
    const found = await kubeClients(options).core.readNamespace({ name: namespace });
    if (found.metadata?.deletionTimestamp) {
      throw new DeployedReleaseError(`${givenAs} "${namespace}": namespace ${namespace} is being deleted`, {
        hint: 'deploy the system again, then run the tests against it',
      });
    }
  } catch (error) {
    if (error instanceof DeployedReleaseError) throw error;
    const status = apiStatus(error);
    // 403: an identity with rights in the namespace only (an in-cluster run) may not read namespaces; helm tells
    if (status === 403) return;
    if (status === 404) {
      throw new DeployedReleaseError(`${givenAs} "${namespace}": namespace ${namespace} does not exist`, {
        hint: 'name the namespace that holds the deployed system (`kubectl get namespaces`), or deploy it there first (helm install NAME CHART -n NS)',
      });
    }
    throw new ChartTestwareError(`cannot read namespace ${namespace}: ${apiMessage(error)}`, { cause: error });
  }
}

async function listReleases(helm: HelmTestAdaptor): Promise<ListedRelease[]> {
  // every status (pending, failed, uninstalling too): helm 4 lists them by default, helm 3 with --all
  const all = helm.binary.major >= 4 ? [] : ['--all'];
  const { stdout } = await helm.run(['list', ...all, '--output', 'json']);
  return (JSON.parse(stdout || '[]') as ListedRelease[]).sort((a, b) => a.name.localeCompare(b.name));
}

function onlyRelease(releases: readonly ListedRelease[], namespace: string): ListedRelease {
  const [only, ...others] = releases;
  if (only && others.length === 0) return only;
  if (!only) {
    throw new DeployedReleaseError(`namespace ${namespace} holds no helm release to attach to`, {
      hint: `deploy the system there first (helm install NAME CHART -n ${namespace}), or name the namespace that holds it`,
    });
  }
  throw new DeployedReleaseError(
    `namespace ${namespace} holds ${releases.length} helm releases (${releases.map((r) => r.name).join(', ')}): which one to attach to?`,
    { hint: "pass { release: 'NAME' } to ChartDeployment.attach(), or run with --release NAME" },
  );
}

function releasesThere(releases: readonly ListedRelease[], namespace: string): string {
  if (releases.length === 0) return `namespace ${namespace} holds no helm release`;
  return `releases in ${namespace}: ${releases.map((r) => `${r.name} (${r.chart}, ${r.status})`).join(', ')}`;
}
