/**
 * Waits for `work` and returns what it gave or what it threw, instead of throwing:
 * `const result = await settle(helm.install(chart), HelmCommandError)`, then `if (!result.ok) … result.error`.
 * With an error class, only its instances are returned and any other error is thrown on (a mistake in the test
 * stays loud); without one, every Error is returned. A thrown value that is not an Error is always thrown on.
 */
export async function settle<T, E extends Error = Error>(
  work: PromiseLike<T> | (() => T | PromiseLike<T>),
  only?: abstract new (...args: never[]) => E,
): Promise<{ readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E }> {
  try {
    return { ok: true, value: await (typeof work === 'function' ? work() : work) };
  } catch (error) {
    if (error instanceof (only ?? Error)) return { ok: false, error: error as E };
    throw error;
  }
}
