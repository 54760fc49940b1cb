// SIGINT and SIGTERM sent to the npm process alone (as a CI runner or a supervisor does, not to the whole group)
// while tango-base installs: npm passes them on to the runner (its scripts exec it), which stops Jest and cleans up.
import { expect, test } from '@jest/globals';
import { mark } from '../../testsupport/index.ts';
import { interruptDuringInstall, killRun, leftoversOf, runNamespace, startNpmRun } from './interrupted-run.ts';

mark('chart_deploy').describe('interrupting npm test', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`${signal} to npm during a tango-base install leaves nothing behind and stops every test`, async () => {
      const namespace = runNamespace(`npm-${signal.slice(3).toLowerCase()}`);
      const run = startNpmRun(namespace);
      try {
        await interruptDuringInstall(run, namespace, signal, 'npm');
        // nothing of the run is left: namespace, volumes, StorageClass, cluster RBAC, node data
        expect(await leftoversOf(namespace)).toEqual([]);
      } finally {
        killRun(run, 'npm');
      }
    }, 900_000);
  }
});
