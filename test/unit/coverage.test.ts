import { describe, expect, it } from '@jest/globals';
import { coverageGaps } from '../../src/core/coverage.js';
import { scheduleGapMs } from '../../src/core/schedule-gap.js';
import { finding } from '../support/findings.js';

const ok = { clientId: 456, label: 'account 456', error: null };
const results = (read: number, failed: number) => [
  ...Array.from({ length: read }, (_, i) => ({ clientId: 456, status: 'audited' as const, findings: [], tokenId: i })),
  ...Array.from({ length: failed }, (_, i) => ({
    clientId: 456,
    status: 'failed' as const,
    tokenId: 1000 + i,
    findings: [finding(1000 + i, 'audit-failed', 'high', { message: 'Could not be audited: HTTP 503' })],
  })),
];

describe('coverageGaps', () => {
  it('is empty when every account was enumerated and at most a tenth of its tokens failed', () => {
    expect(coverageGaps([ok], results(9, 1))).toEqual([]);
  });

  it('names an account with more than a tenth of its tokens unread, with the first reason', () => {
    expect(coverageGaps([ok], results(8, 2))).toEqual([
      {
        key: '456:failures',
        account: 456,
        reason: '2 of its 10 tokens (20%) could not be read (HTTP 503)',
        message: 'account 456: 2 of its 10 tokens (20%) could not be read (HTTP 503)',
      },
    ]);
    expect(coverageGaps([ok], results(0, 3))[0]?.message).toBe('account 456: none of its 3 token(s) could be read (HTTP 503)');
  });

  it('names an account that could not be enumerated', () => {
    expect(coverageGaps([{ clientId: null, label: 'the account of GCORE_API_KEY', error: 'GCORE_API_KEY is not set (nor GCORE_API_KEY_FILE)' }], [])).toEqual([
      {
        key: 'the account of GCORE_API_KEY:enumeration',
        account: 'the account of GCORE_API_KEY',
        reason: 'GCORE_API_KEY is not set (nor GCORE_API_KEY_FILE)',
        message: 'the account of GCORE_API_KEY: GCORE_API_KEY is not set (nor GCORE_API_KEY_FILE)',
      },
    ]);
  });
});

describe('scheduleGapMs', () => {
  const from = new Date('2026-11-25T12:00:00Z'); // a Wednesday
  it('is the interval of a regular schedule', () => {
    expect(scheduleGapMs('0 7 * * *', 'UTC', from)).toBe(24 * 3_600_000);
    expect(scheduleGapMs('*/15 * * * *', 'UTC', from)).toBe(15 * 60_000);
  });

  it('is the longest wait of an irregular one (the weekend of a weekday schedule)', () => {
    expect(scheduleGapMs('0 7 * * 1-5', 'Europe/Luxembourg', from)).toBe(72 * 3_600_000);
  });
});
