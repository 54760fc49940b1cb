import { apiStatus } from './kube-clients.ts';
import { giveUp, type WaitUntilOptions, waitUntil } from './wait-until.ts';

/** Socket and DNS errors after which the same request may well succeed: the server restarts, a proxy drops. */
const transientCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** 429 and the gateway/availability 5xx: the API server (or what is in front of it) asks to come back later. */
const transientStatuses = new Set([429, 502, 503, 504]);

/**
 * True when an API call failed because the API server could not be reached or asked to retry, not because it
 * refused the request: a connection refused or reset, a timeout, 429/502/503/504. Follows `cause` chains (undici's
 * "fetch failed" keeps the socket error there).
 */
export function isTransientApiError(error: unknown): boolean {
  const status = apiStatus(error) ?? (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number') return transientStatuses.has(status);
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    const { code, name } = current as { code?: unknown; name?: unknown };
    if (typeof code === 'string' && transientCodes.has(code)) return true;
    if (name === 'TimeoutError') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Calls `call` until it succeeds, retrying only transient API errors (see isTransientApiError) every `interval`
 * until the timeout; any other error is thrown at once. At the timeout: WaitTimeoutError with the last error.
 */
export async function retryTransient<T>(call: () => Promise<T>, options: WaitUntilOptions): Promise<T> {
  const result = await waitUntil(
    async () => {
      try {
        return { value: await call() };
      } catch (error) {
        if (isTransientApiError(error)) throw error;
        return giveUp(error as Error);
      }
    },
    { description: 'the API server to answer', ...options },
  );
  return result.value;
}
