import { ConfigError } from '../errors.ts';

// Inputs of helm calls that are checked before helm runs, so that the error names them as the caller gave them.

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Whether `name` can be a Kubernetes namespace (an RFC 1123 label). */
export function isNamespaceName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= 63 && dns1123Label.test(name);
}

/** A Kubernetes namespace name (RFC 1123 label), checked before helm runs. */
export function checkNamespace(namespace: unknown, option: string): void {
  if (!isNamespaceName(namespace)) {
    throw new ConfigError(`${option} ${JSON.stringify(namespace)} is not a valid Kubernetes namespace name`, {
      hint: 'use at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit',
    });
  }
}

/** A timeout in milliseconds: a positive finite number. */
export function checkTimeout(timeout: unknown, option: string): void {
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
    throw new ConfigError(`${option} ${String(timeout)} is not a timeout: give a positive number of milliseconds`, {
      hint: 'e.g. timeout: 120_000 for two minutes',
    });
  }
}
