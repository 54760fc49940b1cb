import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, test } from '@jest/globals';
import { layers, violationsIn } from '../../scripts/check-layers.ts';
import { mark } from '../../testsupport/context/mark.ts';

const root = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

mark('no_deploy').describe('npm run lint', () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'chart-testware-lint-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test('the layer check refuses an import that runs up the table, and one into an application', () => {
    const file = path.join(root, 'testsupport/cluster/example.ts');
    const source =
      "import { x } from '../helm/helm-chart.ts';\nimport { y } from '../jest/cli.ts';\nimport { z } from '../../echo-server/server.ts';\n";
    const found = violationsIn(file, source);
    expect(found.map((v) => [v.line, v.target])).toEqual([
      [2, 'testsupport/jest/cli.ts'],
      [3, 'echo-server/server.ts'],
    ]);
    expect(found[0]?.why).toContain('layer "cluster" may not import from layer "jest"');
    expect(layers.indexOf('config')).toBeLessThan(layers.indexOf('cluster'));
  });

  test('the layer check passes the tree as it is, and fails once a file imports against the table', async () => {
    await expect(run(process.execPath, ['scripts/check-layers.ts'], { cwd: root })).resolves.toMatchObject({
      stdout: expect.stringContaining('check-layers: ok'),
    });
    const dynamic = "const m = await import('../cli/janitor.ts');\n";
    expect(violationsIn(path.join(root, 'testsupport/kube/x.ts'), dynamic)).toHaveLength(1);
    expect(readFileSync(path.join(root, 'package.json'), 'utf8')).toMatch(
      /"lint": "[^"]*check-layers\.ts[^"]*lint-scripts\.sh/,
    );
  });

  test('shellcheck and ruff refuse a new unlinted shell script and Python file', async () => {
    const shell = path.join(scratch, 'bad.sh');
    writeFileSync(shell, '#!/usr/bin/env bash\nrm -rf $1/*\n');
    const python = path.join(scratch, 'bad.py');
    writeFileSync(python, 'import os\n');
    const failure = await run('bash', ['scripts/lint-scripts.sh', shell, python], { cwd: root }).catch((e) => e);
    expect(failure.code).toBe(1);
    expect(failure.stdout).toContain('SC2115');
    expect(failure.stdout).toContain('F401');
    const clean = path.join(scratch, 'clean.sh');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a JS placeholder
    writeFileSync(clean, '#!/usr/bin/env bash\nrm -rf "${1:?}"/*\n');
    await expect(run('bash', ['scripts/lint-scripts.sh', clean], { cwd: root })).resolves.toBeDefined();
  }, 180_000);
});
