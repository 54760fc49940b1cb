import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { HelmChart, mark } from '../../testsupport/index.ts';

const repo = path.join(import.meta.dirname, '..', '..');

mark('no_deploy').describe('snapshots of a rendered chart', () => {
  test("toSnapshot() does not depend on helm's document order and sorts keys", async () => {
    const chart = await HelmChart.render(path.join(repo, 'charts', 'echo-server'));
    const snapshot = chart.toSnapshot();
    const sources = [...snapshot.matchAll(/^# Source: (.+)$/gm)].map((m) => m[1]);
    expect(sources).toEqual([...sources].sort());
    expect(sources).toHaveLength(chart.documents.length);
    // helm prints apiVersion/kind/metadata first; the snapshot sorts: apiVersion, data, kind, metadata.
    expect(snapshot).toMatch(/# Source: echo-server\/templates\/configmap.yaml\napiVersion: v1\ndata:\n/);
  });

  test('mask replaces volatile values by JSONPath', async () => {
    const chart = await HelmChart.render(path.join(repo, 'charts', 'echo-server'));
    const masked = chart.toSnapshot({ mask: ['$.spec.template.metadata.annotations["checksum/config"]'] });
    expect(masked).toContain('checksum/config: <masked>');
    expect(chart.toSnapshot()).toMatch(/checksum\/config: [0-9a-f]{64}/);
  });

  describe('with Jest itself', () => {
    let dir: string;
    const testFile = () => path.join(dir, 'render.test.ts');
    const snapFile = () => path.join(dir, '__snapshots__', 'render.test.ts.snap');
    const config = () =>
      JSON.stringify({
        rootDir: dir,
        testEnvironment: 'node',
        extensionsToTreatAsEsm: ['.ts'],
        transform: {
          '^.+\\.ts$': [
            path.join(repo, 'node_modules', '@swc', 'jest'),
            { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'es6' } },
          ],
        },
        testMatch: ['<rootDir>/*.test.ts'],
        snapshotFormat: { escapeString: false, printBasicPrototype: false },
      });
    const jest = (...args: string[]) =>
      execa(
        process.execPath,
        [
          '--experimental-vm-modules',
          path.join(repo, 'node_modules', 'jest', 'bin', 'jest.js'),
          '--config',
          config(),
          ...args,
        ],
        {
          cwd: dir,
          reject: false,
          all: true,
          env: { CI: '' },
        },
      );
    const writeTest = (replicas: number) =>
      writeFile(
        testFile(),
        `import { expect, test } from '@jest/globals';
import { HelmChart } from ${JSON.stringify(path.join(repo, 'testsupport', 'helm', 'helm-chart.ts'))};
test('echo-server renders as before', async () => {
  const chart = await HelmChart.render(${JSON.stringify(path.join(repo, 'charts', 'echo-server'))}, { values: { replicaCount: ${replicas} } });
  expect(chart.toSnapshot()).toMatchSnapshot();
});
`,
      );

    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'chart-snapshot-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    test('--ci refuses to write a new snapshot; without --ci it is written; then --ci compares', async () => {
      await writeTest(1);
      const refused = await jest('--ci');
      expect(refused.exitCode).toBe(1);
      expect(refused.all).toMatch(
        /New snapshot was not written\. The update flag must be explicitly passed to write a new snapshot/,
      );
      expect(existsSync(snapFile())).toBe(false);

      const written = await jest('--ci=false');
      expect(written.exitCode).toBe(0);
      expect(written.all).toMatch(/1 snapshot written/);
      expect(await readFile(snapFile(), 'utf8')).toContain('replicas: 1');

      const same = await jest('--ci');
      expect(same.exitCode).toBe(0);
      expect(same.all).toMatch(/1 passed/);

      await writeTest(3);
      const changed = await jest('--ci');
      expect(changed.exitCode).toBe(1);
      expect(changed.all).toMatch(/-\s+replicas: 1\n\s*\+\s+replicas: 3/);
    }, 120_000);
  });
});
