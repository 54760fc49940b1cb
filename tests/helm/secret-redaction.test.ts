import { expect, test } from '@jest/globals';
import { isSecretKey, redactValues, SecretRedactor } from '../../testsupport/api/helm.ts';
import { mark } from '../../testsupport/index.ts';

mark('no_deploy').describe('secret redaction', () => {
  test('keys that look secret', () => {
    for (const key of [
      'password',
      'dbPassword',
      'PASSWD',
      'token',
      'apiToken',
      'secret',
      'clientSecret',
      'key',
      'sshKey',
      'api_key',
      'privateKeyPem',
      'credentials',
    ]) {
      expect([key, isSecretKey(key)]).toEqual([key, true]);
    }
    for (const key of ['user', 'host', 'replicas', 'keys', 'image', 'name', 'kind']) {
      expect([key, isSecretKey(key)]).toEqual([key, false]);
    }
  });

  test('redactValues blanks scalars under secret keys, deeply, and leaves the input alone', () => {
    const values = {
      db: { user: 'app', password: 'pw1', replicas: 2 },
      auth: { token: 'abc', tls: { key: 'k' } },
      list: [{ secret: 's' }],
    };
    expect(redactValues(values)).toEqual({
      db: { user: 'app', password: '***', replicas: 2 },
      auth: { token: '***', tls: { key: '***' } },
      list: [{ secret: '***' }],
    });
    expect(values.db.password).toBe('pw1');
  });

  test('everything under a secret key is blanked, objects included', () => {
    expect(redactValues({ secrets: { a: 'x', b: ['y'] }, keep: 'z' })).toEqual({
      secrets: { a: '***', b: ['***'] },
      keep: 'z',
    });
  });

  test('text: known secret values anywhere, and values of secret-looking keys in YAML, JSON and key=value form', () => {
    const redactor = new SecretRedactor().with({ db: { password: 'hunter2!' } });
    expect(redactor.text('connect failed for hunter2! on db')).toBe('connect failed for *** on db');
    expect(redactor.text('password: abc\nuser: app\n  apiToken: "t o k"')).toBe(
      'password: ***\nuser: app\n  apiToken: ***',
    );
    expect(redactor.text('{"clientSecret":"xyz","name":"n"}')).toBe('{"clientSecret":"***","name":"n"}');
    expect(redactor.text('a.b.password=pw,user=u')).toBe('a.b.password=***,user=u');
    // Structure stays readable: an empty value or a nested block is not a secret value.
    expect(redactor.text('secretKeyRef:\n  name: db')).toBe('secretKeyRef:\n  name: db');
    expect(redactor.text('kind: Secret')).toBe('kind: Secret');
  });

  test('argv: --set secrets, --password flags and known values', () => {
    const redactor = new SecretRedactor(['s3cr3t-value']);
    expect(
      redactor.argv([
        'repo',
        'add',
        '--username',
        'me',
        '--password',
        'pw',
        '--set',
        'image.tag=1,auth.token=t',
        '--set-string=x.apiKey=abc',
        '--values',
        '/tmp/v.yaml',
        's3cr3t-value',
        '--password-stdin',
        '--key-file',
        '/k',
      ]),
    ).toEqual([
      'repo',
      'add',
      '--username',
      'me',
      '--password',
      '***',
      '--set',
      'image.tag=1,auth.token=***',
      '--set-string=x.apiKey=***',
      '--values',
      '/tmp/v.yaml',
      '***',
      '--password-stdin',
      '--key-file',
      '/k',
    ]);
  });

  test('short secret values are not blanked everywhere (they would wreck the text), only by key', () => {
    const redactor = new SecretRedactor().with({ password: 'ab' });
    expect(redactor.text('table ab: password: ab')).toBe('table ab: password: ***');
  });
});
