import { execa } from 'execa';
import { defaults } from '../config/defaults.ts';
import type { CommandOptions, HostBackend, RawCommandResult } from './host-backend.ts';
import { MissingProgramError, ProbeTimeoutError } from './probe-error.ts';

/** Runs commands on the machine running the tests (testinfra's local backend): `host('local://')`. */
export class LocalBackend implements HostBackend {
  readonly uri = 'local://';

  async run(argv: readonly string[], options: CommandOptions = {}): Promise<RawCommandResult> {
    const [file, ...args] = argv;
    if (!file) throw new TypeError('run() needs a non-empty argv');
    const timeout = options.timeout ?? defaults.execTimeoutMs;
    const result = await execa(file, args, {
      reject: false,
      timeout,
      cancelSignal: options.signal,
      input: options.stdin,
      stripFinalNewline: false,
      encoding: 'utf8',
    });
    if (result.timedOut) {
      throw new ProbeTimeoutError({
        host: this.uri,
        probe: `command ${JSON.stringify(argv)}`,
        found: `no exit within ${timeout} ms`,
      });
    }
    if (result.isCanceled) throw options.signal?.reason ?? new Error('cancelled');
    if ((result as { code?: string }).code === 'ENOENT') {
      throw new MissingProgramError({
        host: this.uri,
        probe: `command ${JSON.stringify(argv)}`,
        found: `\`${file}\` is not in PATH`,
      });
    }
    return { exitCode: result.exitCode ?? 128, stdout: String(result.stdout), stderr: String(result.stderr) };
  }

  async close(): Promise<void> {}
}
