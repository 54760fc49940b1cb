import { ConfigError } from '../errors.ts';
import type { OptionFlags, OptionSource } from './options.ts';

/** The Test stage's target as the user gave it: a namespace that already holds the system, and maybe a release. */
export interface DeployedTarget {
  readonly namespace: string | undefined;
  readonly namespaceFrom: OptionSource;
  readonly release: string | undefined;
  readonly releaseFrom: OptionSource;
}

const namespacePattern = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** helm's rule for release names: a lowercase DNS-1123 subdomain of at most 53 characters. */
const releasePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Checks --deployed-namespace / --release (or their env vars, picked by the caller): valid names, a release only
 * with a namespace, and none of the flags that only mean something for a job namespace, which such a run never makes.
 */
export function resolveDeployedTarget(
  [namespace, namespaceFrom]: [string | undefined, OptionSource],
  [release, releaseFrom]: [string | undefined, OptionSource],
  flags: Pick<OptionFlags, 'testNamespace' | 'keep' | 'namespacePerFile'>,
): DeployedTarget {
  if (namespace !== undefined && !namespacePattern.test(namespace)) {
    throw new ConfigError(`${namespaceFrom} "${namespace}" is not a valid Kubernetes namespace name`, {
      hint: 'name the namespace the system is deployed in: at most 63 lowercase letters, digits and "-"',
    });
  }
  if (release !== undefined) {
    if (namespace === undefined) {
      throw new ConfigError(`${releaseFrom} "${release}" needs --deployed-namespace`, {
        hint: 'name the namespace the release is deployed in: --deployed-namespace NS (or CHART_TESTWARE_DEPLOYED_NAMESPACE)',
      });
    }
    if (release.length > 53 || !releasePattern.test(release)) {
      throw new ConfigError(`${releaseFrom} "${release}" is not a valid helm release name`, {
        hint: 'at most 53 lowercase letters, digits, "-" and ".", starting and ending with a letter or digit (`helm list -n NS` shows the names)',
      });
    }
  }
  if (namespace !== undefined) {
    const jobNamespaceFlags = [
      flags.testNamespace !== undefined ? '--test-namespace' : undefined,
      flags.keep !== undefined ? '--keep' : undefined,
      flags.namespacePerFile ? '--namespace-per-file' : undefined,
    ].filter((flag): flag is string => flag !== undefined);
    if (jobNamespaceFlags.length > 0) {
      throw new ConfigError(
        `${jobNamespaceFlags.join(' and ')} cannot be combined with ${namespaceFrom} "${namespace}"`,
        {
          hint: `a run against a deployed namespace creates no job namespace: drop ${jobNamespaceFlags.join(' and ')}, or drop ${namespaceFrom} to test in a job namespace`,
        },
      );
    }
  }
  return { namespace, namespaceFrom, release, releaseFrom };
}
