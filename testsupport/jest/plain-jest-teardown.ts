import { existsSync } from 'node:fs';
import { loadOptions, optionsEnvVar } from '../config/options.ts';
import { moduleExtension } from '../config/package-root.ts';
import { clusterUsedMarker, removeRunState } from '../report/run-state.ts';

/**
 * Jest globalTeardown of the preset, for runs without the `chart-testware` command: deletes the job namespace the
 * run created (a test that failed does not keep it: plain Jest tells a teardown nothing of the results). Jest runs
 * no teardown after Ctrl-C; the namespace then expires and `chart-testware janitor` removes it.
 */
export default async function plainJestTeardown(): Promise<void> {
  if (process.env[optionsEnvVar]) return;
  const options = loadOptions();
  try {
    if (existsSync(clusterUsedMarker(options))) {
      const { releaseRunNamespaces } = (await import(
        `../cluster/namespace-cleanup${moduleExtension}`
      )) as typeof import('../cluster/namespace-cleanup.ts');
      await releaseRunNamespaces(options, { failed: false });
    }
  } finally {
    removeRunState(options);
  }
}
