import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RunOptions } from '../config/options.ts';
import type { HelmTestAdaptor } from '../helm/helm-test-adaptor.ts';
import { apiStatus, kubeClients, mergePatch } from '../kube/kube-clients.ts';
import { leftoverOfLabel } from './cluster-leftovers.ts';
import { manifestObjects } from './release-manifest.ts';

const crdApiVersion = 'apiextensions.k8s.io/v1';
const crdKind = 'CustomResourceDefinition';

/**
 * The CustomResourceDefinitions in a chart's `crds/` folders (and its bundled charts'), looked at before its install:
 * helm installs them and never deletes them, so those the install created are recorded as leftovers of the job
 * namespace (label `leftoverOfLabel`) and the namespace's clean-up deletes them (see cluster-leftovers.ts). A CRD that
 * existed before the install is not touched: it is someone else's (another release's, or the cluster's own).
 */
export class ChartCrds {
  readonly #options: RunOptions;
  readonly #created: readonly string[];

  private constructor(options: RunOptions, created: readonly string[]) {
    this.#options = options;
    this.#created = created;
  }

  static async before(helm: HelmTestAdaptor, chart: string, options: RunOptions): Promise<ChartCrds> {
    const names = mayHaveCrds(chart) ? await chartCrdNames(helm, chart) : [];
    const { objects } = kubeClients(options);
    const absent: string[] = [];
    for (const name of names) {
      const found = await objects
        .read({ apiVersion: crdApiVersion, kind: crdKind, metadata: { name } })
        .then(() => true)
        .catch((error: unknown) => {
          if (apiStatus(error) === 404) return false;
          throw error;
        });
      if (!found) absent.push(name);
    }
    return new ChartCrds(options, absent);
  }

  /** Labels the CRDs that did not exist before and exist now as leftovers of `namespace`. */
  async recordCreated(namespace: string): Promise<void> {
    const { objects } = kubeClients(this.#options);
    for (const name of this.#created) {
      await mergePatch(objects, {
        apiVersion: crdApiVersion,
        kind: crdKind,
        metadata: { name, labels: { [leftoverOfLabel]: namespace } },
      }).catch((error: unknown) => {
        // not created (the install failed before its CRDs): nothing to clean up
        if (apiStatus(error) !== 404) throw error;
      });
    }
  }
}

/** False only for a chart folder without any crds/ folder in it or its bundled charts (saves a helm call). */
function mayHaveCrds(chart: string): boolean {
  if (!existsSync(chart) || !statSync(chart).isDirectory()) return true;
  if (existsSync(path.join(chart, 'crds'))) return true;
  const bundled = path.join(chart, 'charts');
  if (!existsSync(bundled)) return false;
  return readdirSync(bundled).some((entry) => entry.endsWith('.tgz') || mayHaveCrds(path.join(bundled, entry)));
}

async function chartCrdNames(helm: HelmTestAdaptor, chart: string): Promise<string[]> {
  let stdout: string;
  try {
    ({ stdout } = await helm.run(['show', 'crds', chart], { namespaced: false, cluster: false }));
  } catch (error) {
    // the install itself says what is wrong with the chart; only the CRDs' clean-up is lost
    process.stderr.write(
      `[chart-testware] could not list the CRDs of ${chart} (they are not recorded for clean-up): ${(error as Error).message.split('\n')[0]}\n`,
    );
    return [];
  }
  return manifestObjects(stdout)
    .filter((object) => object.kind === crdKind)
    .map((object) => object.metadata?.name ?? '')
    .filter(Boolean);
}
