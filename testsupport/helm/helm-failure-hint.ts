import { existsSync } from 'node:fs';
import type { HelmAdaptorOptions } from './helm-options.ts';

/** What to do about a failed helm call, where its stderr shows a known cause; undefined otherwise. */
export function hintFor(stderr: string, chart: string | undefined, options: HelmAdaptorOptions): string | undefined {
  if (
    chart &&
    !chart.includes('://') &&
    !existsSync(chart) &&
    /not found|no such file|failed to download/i.test(stderr)
  ) {
    return `the chart "${chart}" does not exist (relative paths start at ${process.cwd()}); pass a chart directory, a .tgz, or repo/chart after \`helm repo add\``;
  }
  if (/Kubernetes cluster unreachable|connection refused|no such host/i.test(stderr)) {
    return `check the cluster is up (\`npm run cluster:status\`) and that kube context "${options.kubeContext ?? '(current)'}" in ${options.kubeconfig ?? 'the default kubeconfig'} points at it`;
  }
  if (/release: not found|release not found/i.test(stderr)) {
    return `check the release name and namespace "${options.namespace ?? 'default'}" (\`helm list -n <namespace>\`)`;
  }
  if (/cannot re-use a name that is still in use/.test(stderr)) {
    return 'uninstall the old release first, or let chart-testware generate a release name';
  }
  return undefined;
}
