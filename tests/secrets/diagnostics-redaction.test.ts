import { expect, test } from '@jest/globals';
import { stringify } from 'yaml';
import { redactText } from '../../testsupport/api/helm.ts';
import { redactObject } from '../../testsupport/cluster/diagnostics.ts';
import { mark } from '../../testsupport/index.ts';
import { rememberSecrets } from '../../testsupport/record/secret-redaction.ts';

mark('no_deploy').describe('diagnostics redaction (what manifest.yaml, not-ready.yaml and logs get)', () => {
  test("a Secret's data and stringData keep their keys and lose every value", () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', annotations: { note: 'rotated' } },
      data: {
        'tls.key': Buffer.from('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----').toString('base64'),
      },
      stringData: { host: 'db', dsn: 'postgres://app:diag-dsn-pw@db/x', user: 'app' },
    };
    const dumped = redactText(stringify(redactObject(secret)));
    expect(dumped).toContain('tls.key: "***"');
    expect(dumped).toContain('dsn: "***"');
    expect(dumped).toContain('host: "***"');
    expect(dumped).toContain('note: rotated');
    expect(dumped).not.toMatch(/diag-dsn-pw|LS0tLS1CRUdJTi/);
  });

  test("env values of secret-looking names and credentials in a pod's spec are blanked", () => {
    const pod = {
      kind: 'Pod',
      spec: {
        containers: [
          {
            name: 'app',
            env: [
              { name: 'DB_PWD', value: 'diag-pwd-1' },
              { name: 'DATABASE_URL', value: 'mysql://root:diag-url-pw@db:3306/x' },
              { name: 'AUTHORIZATION', value: 'Bearer diag-bearer-token' },
              { name: 'LOG_LEVEL', value: 'debug' },
            ],
          },
        ],
      },
    };
    const dumped = redactText(stringify(redactObject(pod)));
    expect(dumped).not.toMatch(/diag-pwd-1|diag-url-pw|diag-bearer-token/);
    expect(dumped).toContain('mysql://root:***@db:3306/x');
    expect(dumped).toContain('value: debug');
  });

  test('the "key" of a toleration, a match expression and a secretKeyRef stays; a data field named key does not', () => {
    const dumped = stringify(
      redactObject({
        kind: 'Pod',
        spec: {
          tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }],
          containers: [{ env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] }],
          affinity: { nodeAffinity: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
        },
      }),
    );
    expect(dumped).toContain('key: node.kubernetes.io/not-ready');
    expect(dumped).toContain('key: password');
    expect(dumped).toContain('key: zone');
    const configMap = stringify(redactObject({ kind: 'ConfigMap', data: { key: 'cm-key-value', name: 'n' } }));
    expect(configMap).not.toContain('cm-key-value');
  });

  test('a log line that prints a value the chart was given, bare, is blanked', () => {
    rememberSecrets({ db: { pwd: 'diag-bare-pwd-42' } });
    expect(redactText('2026-11-30 connecting with diag-bare-pwd-42 to db\n')).toBe(
      '2026-11-30 connecting with *** to db\n',
    );
  });
});
