/** Every default timeout and interval, in milliseconds, in one place. */
export const defaults = {
  helmTimeoutMs: 5 * 60_000,
  readyTimeoutMs: 5 * 60_000,
  namespaceDeleteTimeoutMs: 2 * 60_000,
  execTimeoutMs: 60_000,
  pollIntervalMs: 1_000,
  progressIntervalMs: 5_000,
  namespaceTtlMs: 6 * 60 * 60_000,
  /** An object with no readiness signal (no status, no rule) this long is named in a progress line. */
  noReadinessSignalMs: 30_000 as number,
} as const;

export const knownMarkers = ['no_deploy', 'chart_deploy', 'quarantine'] as const;
