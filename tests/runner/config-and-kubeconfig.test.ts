// chart-testware.json and kubeconfig mistakes (bad-input survey rows 33-48): each a clear error naming the config
// key or KUBECONFIG / --kube-context, and the embedded cluster only when the user gave no kubeconfig at all.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { readConfigFile } from '../../testsupport/config/config-file.ts';
import { resolveOptions } from '../../testsupport/config/options.ts';
import { HelmTestAdaptor } from '../../testsupport/helm/helm-test-adaptor.ts';
import { ConfigError, mark } from '../../testsupport/index.ts';
import { usesEmbeddedCluster } from '../../testsupport/jest/local-cluster.ts';
import { loadKubeConfig } from '../../testsupport/kube/kube-config.ts';
import { closedLoopbackPort, writeKubeconfig } from '../support/scratch-kubeconfig.ts';

function projectWithConfig(text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'config-file-'));
  writeFileSync(path.join(dir, 'chart-testware.json'), text);
  return dir;
}

mark('no_deploy').describe('chart-testware.json is checked, every mistake naming its key', () => {
  test.each([
    ['null', /chart-testware\.json must hold a JSON object, not null/],
    ['[1, 2]', /must hold a JSON object, not an array/],
    ['"markers"', /must hold a JSON object, not the string "markers"/],
    ['{ "markers": "slow" }', /"markers" must be an object of marker name to description, not the string "slow"/],
    ['{ "markers": ["slow"] }', /"markers" must be an object of marker name to description, not an array/],
    ['{ "markers": { "and": "x" } }', /marker "and" under "markers" is a name no --marker expression can use/],
    [
      '{ "markers": { "my-marker": "x" } }',
      /marker "my-marker" under "markers" is a name no --marker expression can use/,
    ],
    ['{ "markers": { "9lives": "x" } }', /marker "9lives" under "markers"/],
    ['{ "markers": { "slow": 5 } }', /"markers\.slow" must be a string that says what the marker means, not a number/],
    ['{ "marker": { "slow": "x" } }', /unknown key "marker"; did you mean markers\?/],
  ])('%s', (text, message) => {
    const cwd = projectWithConfig(text);
    expect(() => readConfigFile(cwd)).toThrow(ConfigError);
    expect(() => readConfigFile(cwd)).toThrow(message);
    expect(() => resolveOptions({}, {}, cwd)).toThrow(message);
  });

  test('a good file registers its markers once, after the built-in ones', () => {
    const cwd = projectWithConfig('{ "markers": { "slow": "takes minutes", "no_deploy": "already built in" } }');
    expect(resolveOptions({}, {}, cwd).markers).toEqual(['no_deploy', 'chart_deploy', 'quarantine', 'slow']);
  });
});

mark('no_deploy').describe('which cluster a run uses', () => {
  const home = () => mkdtempSync(path.join(os.tmpdir(), 'empty-home-'));

  test('KUBECONFIG naming a missing file is an error naming KUBECONFIG, not "no kubeconfig given"', () => {
    for (const mode of ['auto', 'never'] as const) {
      expect(() => usesEmbeddedCluster(mode, true, { KUBECONFIG: '/nonexistent', HOME: home() })).toThrow(
        /^KUBECONFIG names \/nonexistent, which does not exist/,
      );
    }
    const good = writeKubeconfig({ server: 'https://127.0.0.1:1', insecure: true });
    expect(() =>
      usesEmbeddedCluster('auto', true, { KUBECONFIG: `${good}:/tmp/no-such-kubeconfig`, HOME: home() }),
    ).toThrow(/KUBECONFIG names \/tmp\/no-such-kubeconfig, which does not exist \(KUBECONFIG=".*"\)/);
  });

  test('--kube-context with no kubeconfig at all is an error, not the embedded cluster', () => {
    expect(() =>
      usesEmbeddedCluster('auto', true, { HOME: home() }, { name: 'prod', givenAs: '--kube-context' }),
    ).toThrow(/^--kube-context "prod" names a context, but there is no kubeconfig/);
    expect(() =>
      usesEmbeddedCluster('auto', true, { HOME: home() }, { name: 'prod', givenAs: 'CHART_TESTWARE_KUBE_CONTEXT' }),
    ).toThrow(/^CHART_TESTWARE_KUBE_CONTEXT "prod" names a context/);
    expect(() =>
      usesEmbeddedCluster('always', true, { HOME: home() }, { name: 'prod', givenAs: '--kube-context' }),
    ).toThrow(/cannot be combined with --local-cluster always/);
  });

  test('the embedded cluster only when nothing was given and chart_deploy tests may run', () => {
    expect(usesEmbeddedCluster('auto', true, { HOME: home() })).toBe(true);
    expect(usesEmbeddedCluster('auto', false, { KUBECONFIG: '/nonexistent', HOME: home() })).toBe(false);
    const good = writeKubeconfig({ server: 'https://127.0.0.1:1', insecure: true });
    expect(usesEmbeddedCluster('auto', true, { KUBECONFIG: good, HOME: home() })).toBe(false);
    expect(usesEmbeddedCluster('never', false, { HOME: home() })).toBe(false);
    expect(usesEmbeddedCluster('never', true, { KUBECONFIG: good, HOME: home() })).toBe(false);
  });

  test('--local-cluster never with no kubeconfig at all is an error, not the embedded cluster kubeconfig', () => {
    expect(() => usesEmbeddedCluster('never', true, { HOME: home() })).toThrow(
      /^--local-cluster never, but there is no kubeconfig \(KUBECONFIG is unset and .*\/\.kube\/config does not exist\)/,
    );
    expect(() => usesEmbeddedCluster('never', true, { KUBECONFIG: ' ', HOME: home() })).toThrow(
      /--local-cluster never/,
    );
  });

  test('KUBECONFIG as a ":" list is merged as kubectl does: first file wins per name, first current-context', () => {
    const first = writeKubeconfig({ server: 'https://127.0.0.1:1001', context: 'shared', user: 'first-user' });
    const second = writeKubeconfig({ server: 'https://127.0.0.1:1002', context: 'shared', user: 'second-user' });
    // both files name a context and cluster "shared" and set it current: the first file's must win
    const third = writeKubeconfig({ server: 'https://127.0.0.1:1003', context: 'only-third', user: 'third-user' });
    const options = resolveOptions({}, { KUBECONFIG: [first, second, third].join(':'), HOME: home() });
    const config = loadKubeConfig(options);
    expect(config.getCurrentContext()).toBe('shared');
    expect(config.getCurrentCluster()?.server).toBe('https://127.0.0.1:1001');
    expect(config.getContexts().map((context) => context.name)).toEqual(['shared', 'only-third']);
    expect(config.getUsers().map((user) => user.name)).toEqual(['first-user', 'second-user', 'third-user']);
    const withContext = loadKubeConfig(
      resolveOptions({ kubeContext: 'only-third' }, { KUBECONFIG: [first, third].join(':'), HOME: home() }),
    );
    expect(withContext.getCurrentCluster()?.server).toBe('https://127.0.0.1:1003');
  });

  test("helm gets a KUBECONFIG list too (its --kubeconfig takes one file): the first file's context is used", async () => {
    const port = await closedLoopbackPort();
    const first = writeKubeconfig({ server: `https://127.0.0.1:${port}`, insecure: true, context: 'first' });
    const second = writeKubeconfig({ server: 'https://127.0.0.1:1', insecure: true, context: 'second' });
    const helm = await HelmTestAdaptor.create({ kubeconfig: `${first}:${second}`, kubeContext: undefined });
    const error = await helm.run(['list', '--output', 'json'], { timeout: 30_000 }).then(
      () => undefined,
      (thrown: unknown) => thrown as Error,
    );
    expect(error?.message).toContain(`127.0.0.1:${port}`);
    expect(error?.message).not.toMatch(/no such file|stat .*:/);
  }, 120_000);
});
