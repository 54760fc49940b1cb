import path from 'node:path';
import { execa, type ResultPromise } from 'execa';

export const projectRoot = path.resolve(import.meta.dirname, '..', '..');

/** The identity of the current run, which must not leak into a run started from a test (nor its history file). */
const runIdentity = [
  'CHART_TESTWARE_OPTIONS',
  'CHART_TESTWARE_RUN_ID',
  'CHART_TESTWARE_RUNNER_PID',
  'JEST_WORKER_ID',
  'CHART_TESTWARE_HISTORY_FILE',
];

/**
 * Starts the real runner (`npm test -- ...`) in a child process, as a person would from a shell: a fresh run with
 * this process's environment, less the current run's identity, plus `env` (an undefined value unsets the variable).
 */
export function startRunner(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): ResultPromise<{ all: true; reject: false }> {
  const childEnv: Record<string, string | undefined> = { ...process.env };
  for (const name of runIdentity) delete childEnv[name];
  Object.assign(childEnv, env);
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete childEnv[name];
  return execa(process.execPath, [path.join(projectRoot, 'testsupport', 'jest', 'cli.ts'), ...args], {
    cwd: projectRoot,
    env: childEnv,
    extendEnv: false,
    reject: false,
    all: true,
  });
}
