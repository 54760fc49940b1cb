import type { ValuesOptions } from './helm-options.ts';
import type { HelmTestAdaptor } from './helm-test-adaptor.ts';

export interface RenderOptions extends ValuesOptions {
  /** .Release.Name; default "release". */
  releaseName?: string;
  /** .Release.Namespace; default "default". */
  namespace?: string;
  /** .Capabilities.KubeVersion, e.g. "1.32.0"; default: helm's own. */
  kubeVersion?: string;
  /** Extra .Capabilities.APIVersions, e.g. ["monitoring.coreos.com/v1"]. */
  apiVersions?: readonly string[];
  includeCrds?: boolean;
  /** Leave out templates/tests (helm test hooks); default false. */
  skipTests?: boolean;
  isUpgrade?: boolean;
  /** Default: a helm on resolveHelmBinary(), no cluster. */
  helm?: HelmTestAdaptor;
  /** Default true: reuse a render of the same chart content, values, options and helm version (memory and disk). */
  cache?: boolean;
  /** Timeout of the helm call in ms; default 2 minutes. */
  timeout?: number;
  /**
   * Render only these template files (helm `--show-only`, still one helm call), given as in fromTemplate():
   * "templates/service.yaml", "charts/sub/templates/x.yaml" or helm's "my-chart/templates/service.yaml".
   */
  templates?: readonly string[];
  /** Throw ChartYamlError at render when a document repeats a key or is not valid YAML; default false. */
  strictYaml?: boolean;
  /**
   * Run `helm dependency build` first, on a copy of the chart in the cache (the chart directory is not changed),
   * once per chart content and helm version.
   */
  dependencyBuild?: boolean;
}
