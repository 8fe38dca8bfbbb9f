import { describe, expect, it } from '@jest/globals';
import { retryAfterMs } from '../../src/core/retry-after.js';

const now = Date.parse('2026-11-29T12:00:00Z');

describe('retryAfterMs', () => {
  it('reads delay-seconds as milliseconds', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
  });

  it('keeps a fraction of a second', () => {
    expect(retryAfterMs('1.5', now)).toBe(1500);
  });

  it('reads a negative delay as no wait', () => {
    expect(retryAfterMs('-5', now)).toBe(0);
  });

  it('reads an HTTP date as the time left until it', () => {
    expect(retryAfterMs('Sun, 29 Nov 2026 12:01:30 GMT', now)).toBe(90_000);
  });

  it('reads an HTTP date already past as no wait', () => {
    expect(retryAfterMs('Sun, 29 Nov 2026 11:59:00 GMT', now)).toBe(0);
  });

  it('is undefined for an empty or blank header, not a wait of zero', () => {
    expect(retryAfterMs('', now)).toBeUndefined();
    expect(retryAfterMs('   ', now)).toBeUndefined();
  });

  it('is undefined for a header that is neither a number nor a date', () => {
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });
});
