import { retryAfterMs } from '../core/retry-after.js';

/** The answers worth another attempt: timeouts, 429 and the 5xx a proxy or an overloaded Gcore gives. */
export const RETRY_STATUS: readonly number[] = [408, 429, 500, 502, 503, 504, 521, 522, 524];
// got's list, kept when the retrying moved out of got: network failures that a second attempt may not meet.
export const RETRY_ERROR_CODES: readonly string[] = ['ETIMEDOUT', 'ECONNRESET', 'EADDRINUSE', 'ECONNREFUSED', 'EPIPE', 'ENOTFOUND', 'ENETUNREACH', 'EAI_AGAIN'];
export const MAX_BACKOFF_MS = 30_000;

/** The wait before attempt `tries + 2`: `baseMs` doubled per attempt, never over MAX_BACKOFF_MS (reads and revoke's DELETE alike). */
export const backoffMs = (baseMs: number, tries: number): number => Math.min(baseMs * 2 ** tries, MAX_BACKOFF_MS);

export interface RetryPolicy {
  /** Attempts after the first. */
  readonly retries: number;
  /** First backoff step; doubles per attempt, plus up to a tenth of it at random. */
  readonly baseDelayMs: number;
  /** Longest Retry-After honoured: a longer one ends the request at once. */
  readonly maxRetryAfterMs: number;
  /** Retry a 429 here (false: it goes back to the caller at once, the worker's queue pauses instead). */
  readonly retryRateLimited: boolean;
}

/** How one attempt ended, as far as retrying is concerned: a status and its Retry-After, or a network code. */
export type AttemptEnd = { readonly statusCode: number; readonly retryAfter?: string | undefined } | { readonly code: string };

/**
 * Milliseconds to wait before attempt `tries + 2`, or undefined when `end` is final: not retryable, the
 * retries spent, or a Retry-After beyond the bound. `random` is in [0, 1).
 */
export function getRetryDelay(end: AttemptEnd, tries: number, policy: RetryPolicy, nowMs: number, random: number): number | undefined {
  if (tries >= policy.retries) {
    return undefined;
  }
  const backoff = backoffMs(policy.baseDelayMs, tries) + random * policy.baseDelayMs * 0.1;
  if ('code' in end) {
    return RETRY_ERROR_CODES.includes(end.code) ? backoff : undefined;
  }
  const status = end.statusCode;
  if (!RETRY_STATUS.includes(status) || (status === 429 && !policy.retryRateLimited)) {
    return undefined;
  }
  const wait = end.retryAfter === undefined ? undefined : retryAfterMs(end.retryAfter, nowMs);
  if (wait === undefined) {
    return backoff; // none given, or neither seconds nor a date
  }
  // A longer wait than we honour: give up at once (the error says how long Gcore asked for).
  return wait > policy.maxRetryAfterMs ? undefined : Math.max(wait, 1);
}
