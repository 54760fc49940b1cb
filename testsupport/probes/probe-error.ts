import { ChartTestwareError } from '../errors.ts';

export interface ProbeErrorDetails {
  /** The host the probe ran on, as its URI (`kube://ns/pod?container=c`, `ssh://user@10.88.0.5:22`). */
  readonly host: string;
  /** What was probed: `file /etc/nope`, `socket tcp://0.0.0.0:3306`, `command ["id","mysql"]`. */
  readonly probe: string;
  /** What was found instead of what was expected. */
  readonly found: string;
  readonly hint?: string;
  readonly cause?: unknown;
}

/** A probe could not give an answer, or its answer was not the required one. Says host, probe and finding. */
export class ProbeError extends ChartTestwareError {
  readonly host: string;
  readonly probe: string;
  readonly found: string;

  /** @internal the testware creates these; tests only receive them */
  constructor(details: ProbeErrorDetails) {
    super(`${details.probe} on ${details.host}: ${details.found}`, { hint: details.hint, cause: details.cause });
    this.host = details.host;
    this.probe = details.probe;
    this.found = details.found;
  }
}

/** A command ran and exited non-zero where success was required; the message carries both output streams. */
export class CommandFailedError extends ProbeError {}

/** A command did not finish within its timeout. */
export class ProbeTimeoutError extends ProbeError {}

/** The image lacks a program a probe needs (no shell, no coreutils): the message names it and what to do. */
export class MissingProgramError extends ProbeError {}

/** The host could not be reached at all (pod gone, container not running, SSH refused, host key mismatch). */
export class HostUnreachableError extends ProbeError {}
