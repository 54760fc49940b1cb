import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa, type Result } from 'execa';
import { defaults } from '../config/defaults.ts';
import { SecretRedactor } from '../record/secret-redaction.ts';
import type { HelmBinary } from './helm-binary.ts';
import { HelmCommandError, HelmTimeoutError } from './helm-command-error.ts';
import { recordHelm } from './helm-events.ts';
import { hintFor } from './helm-failure-hint.ts';
import { checkNamespace, checkTimeout } from './helm-input-checks.ts';
import type { HelmAdaptorOptions, RunCall } from './helm-options.ts';
import type { HelmOutput } from './helm-results.ts';
import { checkStringList } from './option-keys.ts';
import { valuesFileTexts, valuesList } from './values-file.ts';

// One helm process: the global flags, values objects as temporary files, the timeouts, the event record, and a
// HelmCommandError (redacted) when it fails.

type AdaptorOptions = Readonly<Omit<HelmAdaptorOptions, 'binary'>>;

/**
 * Runs helm with these arguments plus the global options (kube context, kubeconfig, namespace), values files,
 * and timeouts. Throws HelmCommandError (HelmTimeoutError when the timeout stopped it).
 */
export async function runHelm(
  binary: HelmBinary,
  options: AdaptorOptions,
  args: readonly string[],
  call: RunCall,
): Promise<HelmOutput> {
  if (call.timeout !== undefined) checkTimeout(call.timeout, 'timeout');
  checkStringList(call.valuesFiles, 'valuesFiles');
  const timeout = call.timeout ?? options.timeout ?? defaults.helmTimeoutMs;
  const argv = [...args, ...globalFlags(options, call, timeout)];
  // Checked before anything starts: a bad value is named by its key path, not by a temporary file helm read.
  const valueTexts = valuesFileTexts(call.values);
  const valueObjects = valuesList(call.values);
  const redactor = new SecretRedactor().with(valueObjects);
  let valuesDir: string | undefined;
  const started = performance.now();
  try {
    if (valueTexts.length > 0) {
      valuesDir = await mkdtemp(path.join(os.tmpdir(), 'chart-testware-values-'));
      argv.push(...(await writeValuesFiles(valuesDir, valueTexts)));
    }
    const result = await execHelm(binary, options, argv, call, timeout);
    const durationMs = performance.now() - started;
    const stderr = redactor.text(result.stderr ?? '');
    recordHelm(redactor.argv(argv), { durationMs, failed: result.failed, stderr }, valueObjects);
    if (!result.failed) return { stdout: result.stdout, stderr: result.stderr, durationMs };
    throw helmFailure(result, { binary, options, argv, call, timeout, durationMs, redactor, command: args[0] });
  } finally {
    if (valuesDir) await rm(valuesDir, { recursive: true, force: true });
  }
}

function globalFlags(options: AdaptorOptions, call: RunCall, timeout: number): string[] {
  const flags: string[] = [];
  if (call.namespaced ?? true) {
    if (call.namespace !== undefined) checkNamespace(call.namespace, 'namespace');
    const namespace = call.namespace ?? options.namespace;
    if (namespace) flags.push('--namespace', namespace);
  }
  if (call.cluster ?? true) {
    if (options.kubeContext) flags.push('--kube-context', options.kubeContext);
    // helm's --kubeconfig takes one file; a KUBECONFIG list ("a:b") goes through the environment (see execHelm)
    if (options.kubeconfig && !options.kubeconfig.includes(path.delimiter)) {
      flags.push('--kubeconfig', options.kubeconfig);
    }
  }
  if (call.helmTimeout) flags.push('--timeout', `${Math.max(1, Math.ceil(timeout / 1000))}s`);
  for (const file of call.valuesFiles ?? []) flags.push('--values', file);
  return flags;
}

/** Writes the values files (mode 0600) and returns their --values flags. */
async function writeValuesFiles(directory: string, texts: readonly string[]): Promise<string[]> {
  const flags: string[] = [];
  for (const [index, text] of texts.entries()) {
    const file = path.join(directory, `values-${index}.json`);
    await writeFile(file, text, { mode: 0o600 });
    flags.push('--values', file);
  }
  return flags;
}

function execHelm(binary: HelmBinary, options: AdaptorOptions, argv: string[], call: RunCall, timeout: number) {
  // helm's own --timeout goes first; the kill timer is a margin behind it, for a helm that hangs anyway.
  const killAfter = call.helmTimeout ? timeout + Math.max(15_000, timeout * 0.1) : timeout;
  return execa(binary.path, argv, {
    reject: false,
    timeout: Math.ceil(killAfter),
    cancelSignal: call.signal,
    forceKillAfterDelay: 5_000,
    env: options.kubeconfig?.includes(path.delimiter)
      ? { ...options.env, KUBECONFIG: options.kubeconfig }
      : options.env,
    stdin: 'ignore',
  });
}

interface FailedCall {
  binary: HelmBinary;
  options: AdaptorOptions;
  argv: readonly string[];
  call: RunCall;
  timeout: number;
  durationMs: number;
  redactor: SecretRedactor;
  command: string | undefined;
}

function helmFailure(result: Result, failed: FailedCall): HelmCommandError {
  const { redactor, timeout, command } = failed;
  const stderr = String(result.stderr ?? '');
  const failure = {
    command: [failed.binary.path, ...redactor.argv(failed.argv)],
    exitCode: result.exitCode,
    stderr: redactor.text(stderr),
    stdout: redactor.text(String(result.stdout ?? '')),
    durationMs: failed.durationMs,
    hint: hintFor(stderr, failed.call.chart, failed.options),
    cause: result.exitCode === undefined ? new Error(result.shortMessage) : undefined,
  };
  if (result.timedOut) {
    return new HelmTimeoutError(
      { ...failure, hint: `raise the timeout (this call had ${timeout} ms) or find what the cluster is waiting for` },
      `helm ${command} did not finish within ${timeout} ms and was stopped`,
    );
  }
  if (result.isCanceled) return new HelmCommandError(failure, `helm ${command} was cancelled by its abort signal`);
  return new HelmCommandError(failure);
}
