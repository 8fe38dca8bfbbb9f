import { describe, expect, it } from '@jest/globals';
import { buildReport, type TokenResult } from '../../src/core/report.js';
import { findingId } from '../../src/core/finding.js';
import type { Mute } from '../../src/core/mute.js';
import type { AccountResult } from '../../src/core/report.js';
import { finding } from '../support/findings.js';
import { NOW } from '../support/tokens.js';

const result = (tokenId: number, status: TokenResult['status'], findings = [finding(tokenId)]): TokenResult => ({
  clientId: 456,
  tokenId,
  status,
  findings,
});
const mute = (tokenId: number, until: string): Mute => ({
  id: 'config-1',
  source: 'config',
  by: null,
  rule: 'stale',
  clientId: 456,
  tokenId,
  reason: 'known',
  until: new Date(until),
  untilText: until.slice(0, 10),
});
const report = (results: TokenResult[], mutes: Mute[] = [], accounts: AccountResult[] = [{ clientId: 456, label: 'account 456', error: null }]) =>
  buildReport({ runId: 'r', startedAt: NOW, finishedAt: NOW, now: NOW, accounts, results, mutes });

describe('buildReport', () => {
  it('sorts by severity, most severe first, and counts by severity', () => {
    const r = report([
      result(1, 'audited', [finding(1, 'expiring-soon', 'low')]),
      result(2, 'audited', [finding(2, 'never-expiring-admin', 'critical'), finding(2, 'stale', 'high')]),
      result(3, 'failed', [finding(3, 'audit-failed', 'high')]),
    ]);
    // a third of the tokens unread: the account is a coverage gap, itself a finding (high)
    expect(r.findings.map((f) => `${f.tokenId}:${f.rule}`)).toEqual([
      '2:never-expiring-admin',
      'null:coverage-gap',
      '2:stale',
      '3:audit-failed',
      '1:expiring-soon',
    ]);
    expect(r.summary).toEqual({
      accounts: 1,
      tokensAudited: 2,
      findings: 5,
      bySeverity: { info: 0, low: 1, medium: 0, high: 3, critical: 1 },
      muted: 0,
      failed: 1,
    });
  });

  it('keeps a muted finding in the report, marked, with its reason', () => {
    const r = report([result(1, 'audited')], [mute(1, '2027-01-01T00:00:00Z')]);
    expect(r.findings[0]).toMatchObject({ muted: true, muteReason: 'known' });
    expect(r.summary.muted).toBe(1);
    expect(r.warnings).toEqual([]);
  });

  it('stops muting at `until` and says so', () => {
    const r = report([result(1, 'audited')], [mute(1, NOW.toISOString())]);
    expect(r.findings[0]).toMatchObject({ muted: false, muteReason: null });
    expect(r.findings[0]?.message).toContain('Mute expired on 2026-11-29: known.');
    expect(r.warnings).toEqual(['the mute of stale on token 1 (account 456) expired on 2026-11-29']);
  });

  it('a mute matches rule, account and token exactly', () => {
    const r = report([result(1, 'audited', [finding(1, 'never-used')]), result(2, 'audited')], [mute(1, '2027-01-01T00:00:00Z')]);
    expect(r.findings.every((f) => !f.muted)).toBe(true);
  });

  it('counts an account whose listing failed as audited when one of its tokens was read', () => {
    const failing = [{ clientId: 456, label: 'account 456', error: 'could not list tokens: boom' }];
    expect(report([result(1, 'audited')], [], failing).summary.accounts).toBe(1);
    expect(report([result(1, 'failed')], [], failing).summary.accounts).toBe(0);
    const fine = [{ clientId: 456, label: 'account 456', error: null }];
    expect(report([], [], fine).summary.accounts).toBe(1); // enumerated, holds no token
    const allFailed = report([result(1, 'failed', [finding(1, 'audit-failed', 'high', { message: 'Could not be audited: key refused' })])], [], fine);
    expect(allFailed.summary.accounts).toBe(0);
    expect(allFailed.warnings).toEqual(['account 456: none of its 1 token(s) could be read (key refused)']);
    expect(report([], [], failing).warnings).toEqual(['account 456: could not list tokens: boom']);
  });

  it('does not count an account whose listing failed and none of whose tokens was tried', () => {
    const failing = [{ clientId: 456, label: 'account 456', error: 'could not list tokens: boom' }];
    expect(report([], [], failing).summary.accounts).toBe(0);
  });

  it("names each token's finding after its account's configured name", () => {
    const r = report([result(1, 'audited')], [], [{ clientId: 456, name: 'Production', label: 'account 456', error: null }]);
    expect(r.findings[0]?.accountName).toBe('Production');
  });

  it('leaves the name a finding came with when its account has no configured name', () => {
    const unnamed = [{ clientId: 456, name: '', label: 'account 456', error: null }];
    const fromWorker = result(1, 'audited', [finding(1, 'stale', 'medium', { accountName: 'named by the worker' })]);
    expect(report([fromWorker], [], unnamed).findings[0]?.accountName).toBe('named by the worker');
    expect(report([result(1, 'audited')], [], [{ clientId: 456, label: 'account 456', error: null }]).findings[0]?.accountName).toBeNull();
  });

  it('passes a finding whose name does not change through as is, not a copy', () => {
    const f = finding(1);
    expect(report([result(1, 'audited', [f])]).findings[0]).toBe(f);
  });

  it('names the gaps of two keyless accounts each after its own account', () => {
    const keyless = [
      { clientId: null, name: 'Staging', label: 'the account of STAGING_KEY', error: 'STAGING_KEY is not set' },
      { clientId: null, name: 'Dev', label: 'the account of DEV_KEY', error: 'DEV_KEY is not set' },
    ];
    expect(report([], [], keyless).findings.map((f) => f.accountName)).toEqual(['Staging', 'Dev']);
  });

  it('fingerprints findings stably by account, token and rule', () => {
    expect(findingId(456, 1, 'stale')).toBe(findingId(456, 1, 'stale'));
    expect(new Set([findingId(456, 1, 'stale'), findingId(456, 1, 'orphaned'), findingId(457, 1, 'stale'), findingId(456, 11, 'stale')]).size).toBe(4);
    expect(findingId(456, 1, 'stale')).toMatch(/^[0-9a-f]{16}$/);
  });

  it('keeps the ids of earlier releases, for tokens and for whole accounts (alert state is keyed by them)', () => {
    expect(findingId(456, 1, 'stale')).toBe('b8ceb63ca8d939b0');
    expect(findingId(456, null, 'coverage-gap')).toBe('7364e341aaf09992');
  });
});

describe('buildReport with passing tokens counted, not kept (the report job streams them)', () => {
  const accounts: AccountResult[] = [
    { clientId: 456, label: 'account 456', error: null },
    { clientId: 789, label: 'account 789', error: null },
  ];
  const passing = (clientId: number, tokenId: number): TokenResult => ({ clientId, tokenId, status: tokenId % 5 === 0 ? 'gone' : 'audited', findings: [] });
  const failing = (clientId: number, tokenId: number): TokenResult => ({
    clientId,
    tokenId,
    status: 'failed',
    findings: [finding(tokenId, 'audit-failed', 'high', { clientId, id: findingId(clientId, tokenId, 'audit-failed'), message: 'Could not be audited: HTTP 500.' })],
  });
  // 789 has only passing tokens (it counts as audited through them alone); 456 has 2 failures of 12 (a gap of 12, not of 2).
  // 789's token 4 is read and stale: counted like a passing one, its finding handed over on its own.
  const stale: TokenResult = { clientId: 789, tokenId: 4, status: 'audited', findings: [finding(4, 'stale', 'medium', { clientId: 789, id: findingId(789, 4, 'stale') })] };
  const all = [...[1, 2, 3].map((t) => passing(789, t)), stale, failing(456, 1), failing(456, 2), ...Array.from({ length: 10 }, (_, i) => passing(456, 10 + i))];
  const kept = all.filter((r) => r.status === 'failed');

  it('gives the same report as every result in hand', () => {
    const whole = buildReport({ runId: 'r', startedAt: NOW, finishedAt: NOW, now: NOW, accounts, results: all, mutes: [] });
    const folded = buildReport({ runId: 'r', startedAt: NOW, finishedAt: NOW, now: NOW, accounts, results: kept, counted: new Map([[789, 4], [456, 10]]), findings: stale.findings, mutes: [] });
    expect(folded).toEqual(whole);
    expect(whole.summary).toMatchObject({ accounts: 2, tokensAudited: 14, findings: 4, failed: 2 });
    expect(whole.coverage).toEqual(['account 456: 2 of its 12 tokens (17%) could not be read (HTTP 500.)']);
  });
});
