// `npm run corpus -- <folder>...`: one line per chart (renders or not and why, documents, kinds, duplicate keys,
// policy findings, time) and a summary; exit 2 on bad input.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { execa } from 'execa';
import { mark } from '../../testsupport/index.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const cli = path.join(root, 'testsupport', 'cli', 'corpus.ts');
const corpus = (...args: string[]) => execa(process.execPath, [cli, ...args], { reject: false, all: true, cwd: root });
const fixture = (name: string) => path.join('tests', 'fixtures', 'charts', name);

mark('no_deploy').describe('corpus CLI', () => {
  test('charts/: one line per chart and a summary', async () => {
    const run = await corpus('charts');
    const lines = (run.stdout ?? '').split('\n').filter(Boolean);
    // one line per chart folder under charts/, in order, then the summary
    const charts = readdirSync(path.join(root, 'charts')).sort();
    expect(lines).toHaveLength(charts.length + 1);
    expect(lines.slice(0, -1).map((line) => /^OK {3}(\S+) /.exec(line)?.[1])).toEqual(charts);
    expect(lines[0]).toMatch(
      /^OK {3}echo-server \(charts\/echo-server\) [\d.]+s docs=7 kinds=ConfigMap:1,Deployment:1,\S+ duplicate-keys=0 not-yaml=0 findings=\d+E\/\d+W\/\d+I$/,
    );
    expect(lines.find((line) => line.includes('(charts/tango-base)'))).toMatch(/ docs=12 /);
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^corpus: ${charts.length} chart\\(s\\), ${charts.length} rendered, 0 did not; \\d+ documents; 0 duplicate key\\(s\\) in 0 chart\\(s\\)`,
      ),
    );
    expect(run.exitCode).toBe(0);
  }, 120_000);

  test('charts that do not render, duplicate keys and YAML errors are counted', async () => {
    const run = await corpus(fixture('broken-template'), fixture('tricky-yaml'), fixture('yaml-error'), '--no-policy');
    const out = run.stdout ?? '';
    expect(out).toMatch(
      /^FAIL broken-template .*: cannot render chart .*broken-template\/templates\/broken\.yaml line 7/m,
    );
    expect(out).toMatch(
      /^OK {3}tricky-yaml .* docs=5 kinds=ConfigMap:3,Deployment:1,Service:1 duplicate-keys=2 not-yaml=0$/m,
    );
    expect(out).toMatch(/^OK {3}yaml-error .* duplicate-keys=1 not-yaml=1$/m);
    expect(out).toMatch(
      /corpus: 3 chart\(s\), 2 rendered, 1 did not \(1 needs values\); 8 documents; 3 duplicate key\(s\) in 2 chart\(s\); 1 document\(s\) not YAML/,
    );
    expect(run.exitCode).toBe(0);
  }, 120_000);

  test('bad input: no folder, a missing folder', async () => {
    const none = await corpus();
    expect(none.all).toContain('corpus: name at least one folder of charts');
    expect(none.exitCode).toBe(2);
    const missing = await corpus('no/such/dir');
    expect(missing.all).toContain('corpus: no/such/dir is not a directory');
    expect(missing.exitCode).toBe(2);
  }, 60_000);
});
