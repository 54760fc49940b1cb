import { type Readable, Writable } from 'node:stream';
import { Exec, type V1Status } from '@kubernetes/client-node';
import type { RunOptions } from '../config/options.ts';
import { ChartTestwareError } from '../errors.ts';
import { kubeClients } from './kube-clients.ts';

/**
 * Runs `command` in a container with streams for stdin and stdout (a tar archive in or out); resolves with the
 * exit code once the command ended, rejects when it could not run. stderr is kept for the error message.
 */
export async function streamExec(
  options: RunOptions,
  where: { namespace: string; pod: string; container: string },
  command: readonly string[],
  streams: { stdin?: Readable; stdout?: Writable },
): Promise<{ exitCode: number; stderr: string }> {
  const stderr: Buffer[] = [];
  const stderrSink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      stderr.push(Buffer.from(chunk));
      callback();
    },
  });
  return await new Promise((resolve, reject) => {
    const onStatus = (status: V1Status) => {
      const text = Buffer.concat(stderr).toString('utf8');
      if (status.status === 'Success') return resolve({ exitCode: 0, stderr: text });
      const exitCause = status.details?.causes?.find((cause) => cause.reason === 'ExitCode');
      if (exitCause) return resolve({ exitCode: Number(exitCause.message), stderr: text });
      reject(
        new ChartTestwareError(
          `exec ${command.join(' ')} in pod ${where.namespace}/${where.pod}: ${status.message ?? 'failed'} ${text}`,
        ),
      );
    };
    new Exec(kubeClients(options).config)
      .exec(
        where.namespace,
        where.pod,
        where.container,
        [...command],
        streams.stdout ?? null,
        stderrSink,
        streams.stdin ?? null,
        false,
        onStatus,
      )
      .then((socket) => {
        socket.on('error', (error: Error) => reject(error));
        socket.on('close', () =>
          setTimeout(
            () => reject(new ChartTestwareError(`exec in pod ${where.namespace}/${where.pod} closed without a status`)),
            1000,
          ).unref(),
        );
      }, reject);
  });
}
