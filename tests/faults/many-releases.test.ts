import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { mark } from '../../testsupport/index.ts';
import { leftoversOf, runFixtures, tempFile, uniqueName } from './fault-support.ts';

const files = ['a', 'b'].map((x) => path.join('tests', 'faults', 'fixtures', `many-releases-${x}.test.ts`));

interface Installed {
  readonly namespace: string;
  readonly release: string;
  readonly worker: string;
}

mark('chart_deploy').describe('faults mid-run: many releases at once', () => {
  test('20 releases on 2 workers, a namespace per file: nothing of them is left after the run', async () => {
    const prefix = uniqueName('ct-many');
    const resultFile = tempFile('ct-many', 'installed.jsonl');
    const run = runFixtures(files, ['--test-namespace', prefix, '--namespace-per-file', '--maxWorkers', '2'], {
      CT_FAULT_RESULT: resultFile,
    });
    try {
      const result = await run;
      expect({ exitCode: result.exitCode, output: result.all?.slice(-3000) }).toMatchObject({ exitCode: 0 });
      const installed = readFileSync(resultFile, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Installed);
      expect(installed).toHaveLength(20);
      expect(new Set(installed.map((entry) => entry.release)).size).toBe(20);
      const namespaces = new Set(installed.map((entry) => entry.namespace));
      expect(namespaces.size).toBe(2);
      for (const namespace of namespaces) expect(namespace.startsWith(`${prefix}-many-releases-`)).toBe(true);
      expect(new Set(installed.map((entry) => entry.worker)).size).toBe(2);
      // each release had a PV, a Role and a ClusterRole (the fixture checked its objects); none is left
      expect(await leftoversOf(prefix)).toEqual([]);
    } finally {
      run.kill('SIGKILL');
    }
  }, 600_000);
});
