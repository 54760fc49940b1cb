import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { resolveHelmBinary } from '../../testsupport/helm/helm-binary.ts';
import { renderCacheLayout } from '../../testsupport/helm/render-cache.ts';
import { mark } from '../../testsupport/index.ts';
import { filesUnder } from '../chart-deploy/fixtures.ts';
import { startRunner } from '../support/runner-process.ts';

const fixture = path.join('tests', 'secrets', 'fixtures', 'seeded-run.test.ts');

function pem(type: string): { block: string; body: string[] } {
  const body = [0, 1, 2].map(() => randomBytes(48).toString('base64'));
  return { block: `-----BEGIN ${type}-----\n${body.join('\n')}\n-----END ${type}-----\n`, body };
}

/** Secret values under every kind of key, each unique to this run; `needles` are what must never be found. */
function seed(): { values: unknown; needles: string[] } {
  const id = randomBytes(4).toString('hex');
  const plain = {
    password: `pw-${id}-password`,
    pwd: `pwd-${id}-pwd`,
    token: `tok-${id}-token`,
    apiKey: `apikey-${id}-apikey`,
    key: `key-${id}-key`,
    credential: `cred-${id}-credential`,
    clientSecret: `sec-${id}-clientsecret`,
  };
  const dsnPassword = `dsnpw-${id}-dsn`;
  const bearer = `bearer${id}tokenvalue`;
  const basic = Buffer.from(`app:basicpw-${id}`).toString('base64');
  const privateKey = pem('PRIVATE KEY');
  const values = {
    db: { host: 'db', user: 'app', ...plain, dsn: `postgres://app:${dsnPassword}@db:5432/x`, auth: `Bearer ${bearer}` },
    http: { authorization: `Basic ${basic}` },
    tls: { key: privateKey.block, cert: pem('CERTIFICATE').block },
  };
  const secrets = [...Object.values(plain), dsnPassword, bearer, basic, `basicpw-${id}`, ...privateKey.body];
  const needles = [...secrets, ...secrets.map((secret) => Buffer.from(secret).toString('base64'))];
  return { values, needles };
}

/** Every needle found, with where: the files' bytes and the named texts. */
function grep(needles: readonly string[], files: readonly string[], texts: Record<string, string> = {}): string[] {
  const found: string[] = [];
  const look = (where: string, content: string) => {
    for (const needle of needles) if (content.includes(needle)) found.push(`${needle} in ${where}`);
  };
  for (const file of files) look(file, readFileSync(file).toString('latin1'));
  for (const [where, text] of Object.entries(texts)) look(where, text);
  return found;
}

mark('chart_deploy').describe('seeded secrets through a whole run', () => {
  test('no seeded value reaches any file the run wrote (reports, run state, cache) or its console', async () => {
    const { values, needles } = seed();
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'ct-seeded-'));
    const reportsDir = path.join(scratch, 'reports');
    const cacheDir = path.join(scratch, 'cache');
    const canary = path.join(scratch, 'canary.json');
    const namespace = `ci-d-seeded-${randomBytes(3).toString('hex')}`;
    const helm = await resolveHelmBinary();
    const run = await startRunner(
      ['--marker', 'chart_deploy', '--test-namespace', namespace, '--reports-dir', reportsDir, fixture],
      {
        CT_SEEDED_VALUES: JSON.stringify(values),
        CT_SEEDED_CANARY: canary,
        CHART_TESTWARE_CACHE_DIR: cacheDir,
        // the helm this run already extracted: the scratch cache then holds only what the run itself wrote
        HELM_BIN: helm.path,
      },
    );
    const output = run.all ?? '';
    const context = output.slice(-4000);

    // the run did what it was meant to: four failures, a Secret in the diagnostics, a render on disk
    expect({ exitCode: run.exitCode, context }).toMatchObject({ exitCode: 1 });
    expect(output).toContain('tests: 0 passed, 4 failed');
    expect(output).toContain('bad db config');
    expect(output).toContain('***');
    const junit = readFileSync(path.join(reportsDir, 'junit.xml'), 'utf8');
    expect(junit.match(/<failure /g)).toHaveLength(4);
    const written = filesUnder(scratch).filter((file) => file !== canary);
    const manifests = written.filter((file) => file.endsWith('manifest.yaml'));
    expect({ manifests, context }).toMatchObject({ manifests: [expect.any(String)] });
    expect(readFileSync(manifests[0] ?? '', 'utf8')).toMatch(/kind: Secret[\s\S]*pwd: "?\*\*\*/);
    expect(
      written.filter((file) => file.includes(`${path.sep}${renderCacheLayout}${path.sep}`)).length,
    ).toBeGreaterThan(0);
    // the run state (Jest's raw results) is gone
    expect(existsSync(path.join(reportsDir, '.run'))).toBe(false);

    // the grep works: the canary holds the values in plain text, as the fixture wrote them
    expect(grep(needles.slice(0, 3), [canary])).toHaveLength(3);
    expect(written.length).toBeGreaterThan(5);
    expect(grep(needles, written, { console: output })).toEqual([]);
  }, 300_000);
});
