// `helm lint`'s output, read once for HelmTestAdaptor.lint and the policy checks.

export interface LintMessage {
  readonly severity: 'INFO' | 'WARNING' | 'ERROR';
  /** The file the message is about, e.g. "templates/" or "values.yaml", when helm says. */
  readonly path: string | undefined;
  readonly text: string;
}

export interface LintResult {
  readonly messages: readonly LintMessage[];
  readonly output: string;
}

/** The `[INFO]`, `[WARNING]` and `[ERROR]` lines of helm lint's stdout, in order. */
export function parseLintOutput(stdout: string): LintMessage[] {
  return stdout.split('\n').flatMap((line) => {
    const match = /^\s*\[(INFO|WARNING|ERROR)\]\s*(?:([^:\s][^:]*):\s)?(.*)$/.exec(line);
    return match
      ? [{ severity: match[1] as LintMessage['severity'], path: match[2], text: (match[3] ?? '').trim() }]
      : [];
  });
}
