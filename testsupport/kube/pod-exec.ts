import { Writable } from 'node:stream';
import { Exec, type V1Status } from '@kubernetes/client-node';
import { ChartTestwareError } from '../errors.ts';
import { recordExec } from './exec-events.ts';
import { type RunContext, runContext } from './run-context.ts';

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ExecOptions {
  /** Default: the pod's first container. */
  readonly container?: string;
  /** Milliseconds; default defaults.execTimeoutMs. */
  readonly timeout?: number;
  readonly signal?: AbortSignal;
  /** The run's options and clients; default: runContext() (the run's, from the environment). */
  readonly context?: RunContext;
}

/** exec could not run the command at all (no such pod/container/binary, timeout); not a non-zero exit. */
export class ExecError extends ChartTestwareError {}

/**
 * Runs `command` (argv, no shell) in a pod and returns its exit code, stdout and stderr. A non-zero exit is a
 * result, not an error.
 */
export function execInPod(
  namespace: string,
  pod: string,
  command: readonly string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  return recordExec(`${namespace}/${pod}`, command, execUnrecorded(namespace, pod, command, options));
}

async function execUnrecorded(
  namespace: string,
  pod: string,
  command: readonly string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  const { options: runOptions, kube } = options.context ?? runContext();
  const { core, config } = kube;
  const container =
    options.container ?? (await core.readNamespacedPod({ name: pod, namespace })).spec?.containers[0]?.name ?? '';
  const timeout = options.timeout ?? runOptions.timeouts.execTimeoutMs;
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const sink = (chunks: Buffer[]) =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(Buffer.from(chunk));
        callback();
      },
    });
  const where = `pod ${namespace}/${pod} container "${container}"`;
  return await new Promise<ExecResult>((resolve, reject) => {
    let status: V1Status | undefined;
    let socket: { close(): void; on(event: string, fn: (...args: unknown[]) => void): void } | undefined;
    let done = false;
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) {
        socket?.close();
        return reject(error);
      }
      const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString('utf8');
      if (status?.status === 'Success') return resolve({ exitCode: 0, stdout: text(stdout), stderr: text(stderr) });
      const exitCause = status?.details?.causes?.find((cause) => cause.reason === 'ExitCode');
      if (exitCause) {
        return resolve({ exitCode: Number(exitCause.message), stdout: text(stdout), stderr: text(stderr) });
      }
      reject(
        new ExecError(
          `exec of ${JSON.stringify(command)} in ${where} failed: ${status?.message ?? 'no status from the API server'}`,
          {
            hint: 'check the command exists in the image (exec runs no shell unless you call one) and the pod is Running',
          },
        ),
      );
    };
    const timer = setTimeout(
      () =>
        finish(
          new ExecError(`exec of ${JSON.stringify(command)} in ${where} did not finish within ${timeout} ms`, {
            hint: 'raise the timeout, or make the command finish on its own',
          }),
        ),
      timeout,
    );
    const onAbort = () => finish(options.signal?.reason ?? new Error('aborted'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    new Exec(config)
      .exec(namespace, pod, container, [...command], sink(stdout), sink(stderr), null, false, (s) => {
        status = s;
      })
      .then((ws) => {
        socket = ws as unknown as typeof socket;
        if (done) ws.close();
        ws.on('close', () => setImmediate(() => finish()));
        ws.on('error', (error: Error) => finish(new ExecError(`exec in ${where} failed: ${error.message}`)));
      })
      .catch((error: unknown) =>
        finish(
          new ExecError(`cannot exec in ${where}: ${(error as Error).message}`, {
            hint: 'check the pod and container exist and are Running',
            cause: error,
          }),
        ),
      );
  });
}
