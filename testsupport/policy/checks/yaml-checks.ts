import type { PolicyCheck } from '../policy-check.ts';

// helm install accepts a repeated key and the cluster stores the last one (tests/helm/tricky-yaml-drift.test.ts
// shows it on a live cluster), so this is a warning: the first value is dead text that readers take for real.
export const manifestDuplicateKeys: PolicyCheck = {
  id: 'manifest-duplicate-keys',
  severity: 'warning',
  rule: 'No rendered document writes a mapping key twice (helm and the cluster silently keep the last one).',
  section: 'Defining and building cloud native application suites > Metadata',
  needs: ['render'],
  run(context) {
    return context.duplicateKeys.map(({ kind, name, key }) => ({
      object: { kind: kind || '(no kind)', name: name || '(no name)' },
      template: key.template,
      message: `key ${key.path} is written more than once (line ${key.line} of the rendered document); the last one wins`,
      fix: `write ${key.path.split('.').pop()} once in ${key.template}, with the value the cluster should get`,
    }));
  },
};

export const yamlChecks: readonly PolicyCheck[] = [manifestDuplicateKeys];
