import type { RunOptions } from '../config/options.ts';
import { ConfigError } from '../errors.ts';

/** A Test-stage run (--deployed-namespace) creates no job namespace: what asking it for one throws. */
export function noJobNamespaceError(options: Pick<RunOptions, 'deployedNamespace' | 'sources'>): ConfigError {
  return new ConfigError(
    `no job namespace in this run: it tests the system deployed in ${options.deployedNamespace} (${options.sources.deployedNamespace}) and creates no namespace of its own`,
    {
      hint: 'use the deployed release (ChartDeployment.attach()); to install something beside it, pass { namespace } (e.g. that namespace: it is then yours to remove); or run without --deployed-namespace',
    },
  );
}
