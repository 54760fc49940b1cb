import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot, startRunner } from '../support/runner-process.ts';
import { startApiStandIn } from '../support/scratch-kubeconfig.ts';

export interface FixtureRun {
  readonly exitCode: number;
  readonly output: string;
  /** Test cases that ran (not skipped) in the JUnit report, as "<describe titles> <title>". */
  readonly ran: string[];
  readonly junit: string;
}

/** Per test that starts the runner (and Jest inside it): minutes, not seconds, on a loaded 2-core CI machine. */
export const runnerTestTimeout = 180_000;

/** Runs the real runner (as a user would, in a child process) over the runner's fixture tests. */
export async function runFixtures(
  args: readonly string[],
  fixture = 'markers',
  env: Record<string, string | undefined> = {},
): Promise<FixtureRun> {
  const reportsDir = mkdtempSync(path.join(os.tmpdir(), 'runner-test-'));
  // the fixtures never touch a cluster, but a selection with chart_deploy tests gets the runner's preflight
  const standIn = env.KUBECONFIG === undefined ? await startApiStandIn() : undefined;
  const result = await startRunner(
    [
      '--local-cluster',
      'never',
      // a test of --reports-dir itself gives its own
      ...(args.includes('--reports-dir') ? [] : ['--reports-dir', reportsDir]),
      '--config',
      path.join(projectRoot, 'tests', 'fixtures', 'runner', 'jest.config.ts'),
      ...args,
      `tests/fixtures/runner/${fixture}`,
    ],
    { CI: 'true', ...(standIn ? { KUBECONFIG: standIn.kubeconfig } : {}), ...env },
  ).finally(() => standIn?.close());
  let junit = '';
  try {
    junit = readFileSync(path.join(reportsDir, 'junit.xml'), 'utf8');
  } catch {
    // no report: the runner stopped before Jest ran
  }
  const ran = [...junit.matchAll(/<testcase classname="[^"]*?(?: › ([^"]*))?" name="([^"]*)".*?<\/testcase>/gs)]
    .filter((match) => !match[0].includes('<skipped/>'))
    .map((match) => [match[1]?.replaceAll(' › ', ' '), match[2]].filter(Boolean).join(' '));
  return { exitCode: result.exitCode ?? -1, output: result.all ?? '', ran: ran.sort(), junit };
}
