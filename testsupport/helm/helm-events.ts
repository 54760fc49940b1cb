import { learnSecrets, record } from '../record/recorder.ts';

const recorded = new Set(['install', 'upgrade', 'rollback', 'uninstall', 'test']);

/**
 * A helm operation on the timeline (install, upgrade, rollback, uninstall, test: the ones that change or test a
 * release): a bar in the release's lane with the redacted command line and, when it failed, its stderr.
 */
export function recordHelm(
  redactedArgv: readonly string[],
  result: { readonly durationMs: number; readonly failed: boolean; readonly stderr?: string },
  values: readonly unknown[] = [],
): void {
  for (const given of values) learnSecrets(given);
  const operation = redactedArgv[0] ?? '';
  if (!recorded.has(operation)) return;
  const release = redactedArgv[1] ?? '?';
  const namespaceAt = redactedArgv.indexOf('--namespace');
  const namespace = namespaceAt >= 0 ? redactedArgv[namespaceAt + 1] : undefined;
  record({
    at: Date.now() - Math.round(result.durationMs),
    kind: 'helm',
    lane: `release ${release}`,
    label: `helm ${operation}`,
    durationMs: Math.round(result.durationMs),
    outcome: result.failed ? 'failed' : 'ok',
    detail: `helm ${redactedArgv.join(' ')}${result.failed && result.stderr ? `\n${result.stderr.slice(0, 2000)}` : ''}`,
    ...(namespace ? { namespace } : {}),
  });
}
