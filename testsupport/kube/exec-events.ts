import { record } from '../record/recorder.ts';

/** An exec in a pod (and so every probe over exec) on the timeline: the command, how long, its exit code. */
export async function recordExec<T extends { readonly exitCode: number }>(
  pod: string,
  command: readonly string[],
  running: Promise<T>,
): Promise<T> {
  const at = Date.now();
  const label = command.join(' ');
  const short = label.length > 120 ? `${label.slice(0, 117)}...` : label;
  try {
    const result = await running;
    record({
      at,
      kind: 'exec',
      lane: `Pod ${pod}`,
      label: `exec ${short} → ${result.exitCode}`,
      durationMs: Date.now() - at,
      outcome: result.exitCode === 0 ? 'ok' : 'failed',
      namespace: pod.split('/')[0],
    });
    return result;
  } catch (error) {
    record({
      at,
      kind: 'exec',
      lane: `Pod ${pod}`,
      label: `exec ${short} failed`,
      durationMs: Date.now() - at,
      outcome: 'failed',
      detail: (error as Error).message,
      namespace: pod.split('/')[0],
    });
    throw error;
  }
}
