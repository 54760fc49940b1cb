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

interface SeededRun {
  readonly exitCode: number | undefined;
  readonly output: string;
  readonly reportsDir: string;
  /** Every file the run wrote: reports (run state included), cache. */
  readonly written: string[];
  readonly canary: string;
  readonly needles: string[];
}

/** The runner, as a user starts it, on the seeded fixture, with a scratch reports folder and cache. */
async function seededRun(marker: string, namespace?: string, keepRunState = false): Promise<SeededRun> {
  const { values, needles } = seed();
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'ct-seeded-'));
  const reportsDir = path.join(scratch, 'reports');
  const canary = path.join(scratch, 'canary.json');
  const helm = await resolveHelmBinary();
  const run = await startRunner(
    [
      '--marker',
      marker,
      ...(namespace ? ['--test-namespace', namespace] : ['--local-cluster', 'never']),
      '--reports-dir',
      reportsDir,
      fixture,
      '--testPathIgnorePatterns',
      '/node_modules/',
    ],
    {
      CT_SEEDED_VALUES: JSON.stringify(values),
      CT_SEEDED_CANARY: canary,
      CHART_TESTWARE_CACHE_DIR: path.join(scratch, 'cache'),
      // the helm this process already extracted: the scratch cache then holds only what the run itself wrote
      HELM_BIN: helm.path,
      ...(keepRunState ? { CHART_TESTWARE_KEEP_RUN_STATE: 'true' } : {}),
    },
  );
  const written = filesUnder(scratch).filter((file) => file !== canary);
  return { exitCode: run.exitCode, output: run.all ?? '', reportsDir, written, canary, needles };
}

/** What every seeded run must show: it failed as planned, the grep can find values, and it found none. */
function expectNoSeededValue(run: SeededRun, failures: number, keptRunState = false): void {
  const context = run.output.slice(-4000);
  expect({ exitCode: run.exitCode, context }).toMatchObject({ exitCode: 1 });
  expect(run.output).toContain(`tests: 0 passed, ${failures} failed`);
  expect(run.output).toContain('bad db config');
  expect(run.output).toContain('***');
  const junit = readFileSync(path.join(run.reportsDir, 'junit.xml'), 'utf8');
  expect(junit.match(/<failure /g)).toHaveLength(failures);
  // a render without secrets reached the disk cache, so the grep covers it
  expect(run.written.filter((file) => file.includes(`${path.sep}${renderCacheLayout}${path.sep}`)).length).toBe(1);
  if (keptRunState) {
    // kept on request: Jest's raw results (errors with their details) and the environment's records are grepped too
    const state = run.written
      .filter((file) => file.includes(`${path.sep}.run${path.sep}`))
      .map((f) => path.basename(f));
    expect(state).toEqual(expect.arrayContaining(['jest-results.json', expect.stringMatching(/^tests-\d+\.jsonl$/)]));
  } else {
    // the run state (Jest's raw results) is gone
    expect(existsSync(path.join(run.reportsDir, '.run'))).toBe(false);
  }
  // the grep works: the canary holds the values in plain text, as the fixture wrote them
  expect(grep(run.needles.slice(0, 4), [run.canary])).toHaveLength(4);
  expect(run.written.length).toBeGreaterThanOrEqual(4);
  expect(grep(run.needles, run.written, { console: run.output })).toEqual([]);
}

mark('no_deploy').describe('seeded secrets through a whole run', () => {
  test('no seeded value reaches the reports, the run state (kept for the grep), the cache or the console', async () => {
    const run = await seededRun('no_deploy', undefined, true);
    expectNoSeededValue(run, 3, true);
  }, 180_000);
});

mark('chart_deploy').describe('seeded secrets through a whole run with a release', () => {
  test('nor the diagnostics of a release whose Secret and pod log hold them', async () => {
    const run = await seededRun('no_deploy or chart_deploy', `ci-d-seeded-${randomBytes(3).toString('hex')}`);
    expectNoSeededValue(run, 4);
    const manifests = run.written.filter((file) => file.endsWith('manifest.yaml'));
    expect({ manifests, context: run.output.slice(-4000) }).toMatchObject({ manifests: [expect.any(String)] });
    expect(readFileSync(manifests[0] ?? '', 'utf8')).toMatch(/kind: Secret[\s\S]*pwd: "?\*\*\*/);
    // the pod prints every value of the Secret, bare: its log (when it started in time) shows them blanked
    for (const log of run.written.filter((file) => file.endsWith('app.log')))
      expect(readFileSync(log, 'utf8')).toContain('***');
  }, 300_000);
});
