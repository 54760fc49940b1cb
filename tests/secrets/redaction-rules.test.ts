import { expect, test } from '@jest/globals';
import { isSecretKey, redactText, redactValues, SecretRedactor } from '../../testsupport/api/helm.ts';
import { mark } from '../../testsupport/index.ts';
import { knownSecrets, rememberSecrets } from '../../testsupport/record/secret-redaction.ts';

const pem =
  '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n';

mark('no_deploy').describe('secret redaction rules', () => {
  test('secret keys are words of the key: pwd, auth, credentials; "key" only as the last word', () => {
    for (const key of [
      'pwd',
      'dbPwd',
      'auth',
      'basicAuth',
      'Authorization',
      'X-Auth-Token',
      'credential',
      'creds',
      'apiKey',
      'API_KEY',
      'tls.key',
      'secretAccessKey',
      'dbpassword',
      'passphrase',
    ]) {
      expect([key, isSecretKey(key)]).toEqual([key, true]);
    }
    // "key" inside another word or not last; keys that name, point at or switch a secret; words that contain "auth"
    for (const key of [
      'monkey',
      'keyName',
      'keys',
      'keyring',
      'secretName',
      'existingSecretName',
      'passwordFile',
      'secretKeyRef',
      'authEnabled',
      'author',
      'passing',
      'dsn',
    ]) {
      expect([key, isSecretKey(key)]).toEqual([key, false]);
    }
  });

  test('credentials are masked by their form under any key: URL passwords, bearer tokens, PEM blocks', () => {
    const text = [
      'dsn: postgres://app:hunter2-dsn@db:5432/x',
      'see mysql://root:p@ss@db/x and https://example.org/a@b',
      'header Authorization: Bearer eyJhbGciOi.J9.xyz and "Basic YXBwOmh1bnRlcjI="',
      `cert: ${pem}`,
      'data: LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2',
    ].join('\n');
    const out = redactText(text);
    expect(out).toContain('postgres://app:***@db:5432/x');
    expect(out).toContain('mysql://root:***@db/x');
    expect(out).toContain('https://example.org/a@b');
    expect(out).toContain('Bearer ***');
    expect(out).toContain('Basic ***');
    expect(out).toContain('-----BEGIN PRIVATE KEY-----***-----END PRIVATE KEY-----');
    for (const leaked of ['hunter2-dsn', 'p@ss', 'eyJhbGciOi', 'YXBwOmh1bnRlcjI', 'MIIEvQ', 'LS0tLS1CRUdJTi'])
      expect([leaked, out.includes(leaked)]).toEqual([leaked, false]);
    // an unterminated block (cut-off output) is masked to the end
    expect(redactText('x -----BEGIN RSA PRIVATE KEY-----\nMIIE')).not.toContain('MIIE');
  });

  test("helm's Go map of values (what a template's fail prints) loses every secret", () => {
    const values = {
      db: { host: 'h', pwd: 'hunter2-pwd', dsn: 'postgres://app:hunter2-dsn@db/x', auth: 'Bearer tok-S3-auth' },
    };
    const redactor = new SecretRedactor().with(values);
    expect(
      redactor.text(
        'bad db config: map[auth:Bearer tok-S3-auth dsn:postgres://app:hunter2-dsn@db:5432/x host:h pwd:hunter2-pwd]',
      ),
    ).toBe('bad db config: map[auth:*** dsn:postgres://app:***@db:5432/x host:h pwd:***]');
  });

  test('query strings, connection strings, quoted headers and other authorization schemes', () => {
    expect(redactText('GET https://api/x?user=me&token=q-tok-1&page=2')).toBe(
      'GET https://api/x?user=me&token=***&page=2',
    );
    expect(redactText('Server=db;User Id=app;Password=conn-pw-2;')).toBe('Server=db;User Id=app;Password=***;');
    expect(redactText('curl -H "Authorization: Token hdr-tok-3" x')).toBe('curl -H "Authorization: ***" x');
    expect(redactText("auth='Digest dig-4'")).toBe('auth=***');
  });

  test('YAML: a value runs to the end of its line, a block scalar is blanked whole, switches stay', () => {
    const yaml = 'password: correct horse battery\nsecret: |\n  line one\n  line two\nuser: app\nauth: true\n';
    expect(redactText(yaml)).toBe('password: ***\nsecret: ***\nuser: app\nauth: true\n');
    expect(redactValues({ auth: { enabled: true, token: 't0k3n' }, pwd: 1234 })).toEqual({
      auth: { enabled: true, token: '***' },
      pwd: '***',
    });
  });

  test('a count after a kind or a plural is a tally, kept; a secret-looking key with any other value is blanked', () => {
    // an inventory line (chart-testware corpus), a summary and Go's map print of counts
    expect(redactText('kinds=ConfigMap:2,Secret:1,Service:1')).toBe('kinds=ConfigMap:2,Secret:1,Service:1');
    expect(redactText('Secret: 3, SealedSecret: 2, TokenReview=1')).toBe('Secret: 3, SealedSecret: 2, TokenReview=1');
    expect(redactText('found secrets: 4, tokens=2')).toBe('found secrets: 4, tokens=2');
    expect(redactText('map[Secret:1 pwd:hunter2-pwd]')).toBe('map[Secret:1 pwd:***]');
    expect(redactValues({ kinds: { Secret: 1, ConfigMap: 2 }, secrets: 3 })).toEqual({
      kinds: { Secret: 1, ConfigMap: 2 },
      secrets: 3,
    });
    // the other way: real secret values stay blanked, numeric ones too
    const cases: [string, string][] = [
      ['secret: hunter2', 'secret: ***'],
      ['secret: 7', 'secret: ***'],
      ['secret:42abc', 'secret:***'],
      ['pwd:123', 'pwd:***'],
      ['Password: 1234', 'Password: ***'],
      ['Secret: 1234', 'Secret: ***'],
      ['Secret: s3cr3t', 'Secret: ***'],
      ['Secret: 3, hunter2', 'Secret: ***'],
      ['Secret: 3, pwd: 123', 'Secret: 3, pwd: ***'],
    ];
    for (const [text, out] of cases) {
      expect([text, redactText(text)]).toEqual([text, out]);
    }
    expect(redactValues({ secret: 1, Secret: 'abcd', password: 12, token: 'x' })).toEqual({
      secret: '***',
      Secret: '***',
      password: '***',
      token: '***',
    });
  });

  test('values seen by this process are blanked wherever they appear, also base64- and JSON-encoded', () => {
    rememberSecrets({ db: { pwd: 'quite "secret" value', dsn: 'redis://:s3cr3t-dsn-pw@cache:6379' } });
    expect(knownSecrets().has('s3cr3t-dsn-pw')).toBe(true);
    const base64 = Buffer.from('quite "secret" value').toString('base64');
    const out = redactText(
      `got ${JSON.stringify({ v: 'quite "secret" value' })} / ${base64} / pw s3cr3t-dsn-pw / quite "secret" value`,
    );
    expect(out).toBe('got {"v":"***"} / *** / pw *** / ***');
  });
});
