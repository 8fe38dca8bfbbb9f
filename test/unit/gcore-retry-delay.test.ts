import { describe, expect, it } from '@jest/globals';
import { getRetryDelay, MAX_BACKOFF_MS, type RetryPolicy } from '../../src/gcore/get-retry-delay.js';

const now = Date.parse('2026-11-29T12:00:00Z');
const policy: RetryPolicy = { retries: 3, baseDelayMs: 1000, maxRetryAfterMs: 60_000, retryRateLimited: true };
const delay = (end: Parameters<typeof getRetryDelay>[0], tries = 0, p: Partial<RetryPolicy> = {}, random = 0) =>
  getRetryDelay(end, tries, { ...policy, ...p }, now, random);

describe('getRetryDelay', () => {
  it('retries every status got retried, and no other', () => {
    for (const statusCode of [408, 429, 500, 502, 503, 504, 521, 522, 524]) {
      expect({ statusCode, wait: delay({ statusCode }) }).toEqual({ statusCode, wait: 1000 });
    }
    for (const statusCode of [200, 302, 400, 401, 403, 404, 413, 501, 505, 520, 523]) {
      expect({ statusCode, wait: delay({ statusCode }) }).toEqual({ statusCode, wait: undefined });
    }
  });

  it('retries every network failure got retried, and no other', () => {
    for (const code of ['ETIMEDOUT', 'ECONNRESET', 'EADDRINUSE', 'ECONNREFUSED', 'EPIPE', 'ENOTFOUND', 'ENETUNREACH', 'EAI_AGAIN']) {
      expect({ code, wait: delay({ code }) }).toEqual({ code, wait: 1000 });
    }
    for (const code of ['Z_DATA_ERROR', 'ERR_REQUEST_FAILED', 'EHOSTUNREACH', '']) {
      expect({ code, wait: delay({ code }) }).toEqual({ code, wait: undefined });
    }
  });

  it('doubles the backoff per attempt, adds up to a tenth of the base at random, and caps it at 30 s', () => {
    expect([0, 1, 2, 3].map((tries) => delay({ statusCode: 503 }, tries, { retries: 10 }))).toEqual([1000, 2000, 4000, 8000]);
    expect(delay({ statusCode: 503 }, 1, {}, 0.5)).toBe(2050);
    expect(delay({ code: 'ECONNRESET' }, 2, { baseDelayMs: 10 }, 0.5)).toBe(40.5);
    expect(delay({ statusCode: 503 }, 5, { retries: 10 })).toBe(MAX_BACKOFF_MS);
    expect(delay({ statusCode: 503 }, 9, { retries: 10 }, 0.5)).toBe(MAX_BACKOFF_MS + 50);
  });

  it('stops once the retries are spent', () => {
    expect(delay({ statusCode: 503 }, 2)).toBe(4000);
    expect(delay({ statusCode: 503 }, 3)).toBeUndefined();
    expect(delay({ code: 'ECONNRESET' }, 3)).toBeUndefined();
    expect(delay({ statusCode: 503 }, 0, { retries: 0 })).toBeUndefined();
  });

  it('waits what Retry-After says, seconds or a date, at least 1 ms, and gives up on more than the bound', () => {
    expect(delay({ statusCode: 429, retryAfter: '7' })).toBe(7000);
    expect(delay({ statusCode: 503, retryAfter: 'Sun, 29 Nov 2026 12:00:30 GMT' })).toBe(30_000);
    expect(delay({ statusCode: 429, retryAfter: '0' })).toBe(1);
    expect(delay({ statusCode: 429, retryAfter: '60' })).toBe(60_000);
    expect(delay({ statusCode: 429, retryAfter: '60.001' })).toBeUndefined();
    expect(delay({ statusCode: 429, retryAfter: '5' }, 0, { maxRetryAfterMs: 4000 })).toBeUndefined();
    // Not a wait at all: the backoff, as if none were given.
    expect(delay({ statusCode: 503, retryAfter: 'soon' }, 1)).toBe(2000);
    // Only where the status is retried.
    expect(delay({ statusCode: 404, retryAfter: '1' })).toBeUndefined();
  });

  it('hands a 429 straight back when the caller retries rate limits itself', () => {
    expect(delay({ statusCode: 429, retryAfter: '1' }, 0, { retryRateLimited: false })).toBeUndefined();
    expect(delay({ statusCode: 429 }, 0, { retryRateLimited: false })).toBeUndefined();
    expect(delay({ statusCode: 503 }, 0, { retryRateLimited: false })).toBe(1000);
  });
});
