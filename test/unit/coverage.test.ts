import { describe, expect, it } from '@jest/globals';
import { coverageFindings, coverageGaps } from '../../src/core/coverage.js';
import { findingId } from '../../src/core/finding.js';
import { REMEDIATION } from '../../src/core/rule-catalog.js';
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

  it('quotes the reason of the lowest-numbered failed token, whatever order the results came in', () => {
    const failed = (tokenId: number, reason: string) => ({
      clientId: 456,
      status: 'failed' as const,
      tokenId,
      findings: [finding(tokenId, 'audit-failed', 'high', { message: `Could not be audited: ${reason}` })],
    });
    const shuffled = [failed(30, 'HTTP 502'), failed(10, 'HTTP 503'), failed(20, 'timeout'), failed(5, 'HTTP 500'), failed(40, 'HTTP 504')];
    expect(coverageGaps([ok], shuffled)[0]?.reason).toBe('none of its 5 token(s) could be read (HTTP 500)');
  });

  it('gives no reason in brackets when the failed token carries no finding', () => {
    const silent = [{ clientId: 456, status: 'failed' as const, tokenId: 1, findings: [] }];
    expect(coverageGaps([ok], silent)[0]?.reason).toBe('none of its 1 token(s) could be read');
  });

  it('strips the audit-failed prefix only where the message starts with it', () => {
    const quoted = [
      { clientId: 456, status: 'failed' as const, tokenId: 1, findings: [finding(1, 'audit-failed', 'high', { message: 'HTTP 500 "Could not be audited: busy"' })] },
    ];
    expect(coverageGaps([ok], quoted)[0]?.reason).toBe('none of its 1 token(s) could be read (HTTP 500 "Could not be audited: busy")');
  });

  it('makes a refused key one gap of the account, left out of the share of failures', () => {
    const held = (tokenId: number) => ({ clientId: 456, status: 'failed' as const, tokenId, findings: [], refused: 'GCORE_API_KEY was rejected (401)' });
    expect(coverageGaps([ok], [...results(9, 1), held(2000), held(2001), held(2002)])).toEqual([
      { key: '456:key', account: 456, reason: 'GCORE_API_KEY was rejected (401)', message: 'account 456: GCORE_API_KEY was rejected (401)' },
    ]);
  });

  it('names both an unfinished listing and the unread tokens of the same account', () => {
    const partly = { clientId: 456, label: 'account 456', error: 'could not list tokens: page 3 failed' };
    expect(coverageGaps([partly], results(1, 1)).map((g) => g.key)).toEqual(['456:enumeration', '456:failures']);
  });
});

describe('coverageFindings', () => {
  const named = { clientId: 456, name: 'Production', label: 'account 456', error: 'could not list tokens: boom' };
  const keyless = { clientId: null, label: 'the account of GCORE_API_KEY', error: 'GCORE_API_KEY is not set' };
  const unnamed = { clientId: 789, label: 'account 789', error: 'the key was rejected (HTTP 401)' };

  it('makes one high finding per account, all its reasons in one sentence, with the remediation', () => {
    const accounts = [named];
    const [gap, ...rest] = coverageFindings(accounts, coverageGaps(accounts, results(0, 2)));
    expect(rest).toEqual([]);
    expect(gap).toMatchObject({ id: findingId(456, null, 'coverage-gap'), rule: 'coverage-gap', severity: 'high', muted: false, muteReason: null });
    expect(gap).toMatchObject({ clientId: 456, accountName: 'Production', tokenId: null, tokenName: null, owner: null, issuer: null });
    expect(gap?.message).toBe('Not fully audited: could not list tokens: boom; none of its 2 token(s) could be read (HTTP 503).');
    expect(gap?.remediation).toBe(REMEDIATION['coverage-gap']);
    expect(gap?.remediation).toMatch(/^Check the account's key/);
  });

  it('names an account without a configured name by nothing, and a keyless account by its label', () => {
    const accounts = [unnamed, keyless];
    const found = coverageFindings(accounts, coverageGaps(accounts, []));
    expect(found.map((f) => [f.id, f.clientId, f.accountName, f.message])).toEqual([
      [findingId(789, null, 'coverage-gap'), 789, null, 'Not fully audited: the key was rejected (HTTP 401).'],
      [findingId('the account of GCORE_API_KEY', null, 'coverage-gap'), null, 'the account of GCORE_API_KEY', 'Not fully audited: GCORE_API_KEY is not set.'],
    ]);
  });

  it('finds each gap its own account among several', () => {
    const accounts = [named, unnamed, { ...keyless, name: 'Staging' }];
    const found = coverageFindings(accounts, coverageGaps(accounts, []));
    expect(found.map((f) => f.accountName)).toEqual(['Production', null, 'Staging']);
  });

  it('still makes a finding, unnamed, of a gap whose account is not in the list', () => {
    const gaps = [{ key: '789:enumeration', account: 789, reason: 'key rejected', message: 'account 789: key rejected' }];
    expect(coverageFindings([], gaps)).toMatchObject([{ clientId: 789, accountName: null, message: 'Not fully audited: key rejected.' }]);
    const twice = [...gaps, { key: '789:key', account: 789, reason: 'key rejected', message: 'account 789: key rejected' }];
    expect(coverageFindings([], twice)).toMatchObject([{ message: 'Not fully audited: key rejected.' }]);
    const keylessGaps = [{ key: 'k:enumeration', account: 'k', reason: 'key missing', message: 'k: key missing' }];
    expect(coverageFindings([], keylessGaps)).toMatchObject([{ clientId: null, accountName: null }]);
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
