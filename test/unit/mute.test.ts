import { describe, expect, it } from '@jest/globals';
import { applyMutes, describeMuteMatch, type Mute } from '../../src/core/mute.js';
import { finding } from '../support/findings.js';
import { buildReport } from '../../src/core/report.js';
import { toMute, type StoredMute } from '../../src/store/mute-store.js';

const NOW = new Date('2026-11-29T12:00:00Z');
const mute = (overrides: Partial<Mute> = {}): Mute => ({
  id: 'config-1',
  source: 'config',
  by: null,
  rule: 'stale',
  clientId: 456,
  tokenId: 101,
  reason: 'kept in the vault',
  until: new Date('2027-01-01T00:00:00Z'),
  untilText: '2026-12-31',
  ...overrides,
});

describe('mutes', () => {
  it('mute the one finding they name: same account, same token, same rule', () => {
    const findings = [
      finding(101, 'stale', 'medium', { clientId: 456 }),
      finding(101, 'stale', 'medium', { clientId: 789 }), // the same token id in another account
      finding(102, 'stale', 'medium', { clientId: 456 }),
      finding(101, 'never-used', 'medium', { clientId: 456 }),
    ];
    const { findings: out, lapsed } = applyMutes(findings, [mute()], NOW);
    expect(out.map((f) => `${f.clientId}:${f.tokenId}:${f.rule}:${f.muted}`)).toEqual([
      '456:101:stale:true',
      '789:101:stale:false',
      '456:102:stale:false',
      '456:101:never-used:false',
    ]);
    expect(out[0]?.muteReason).toBe('kept in the vault');
    expect(lapsed).toEqual([]);
  });

  it('a mute for account A does not mute the same token id in account B', () => {
    const { findings: out } = applyMutes([finding(101, 'stale', 'medium', { clientId: 789 })], [mute({ clientId: 456 })], NOW);
    expect(out[0]?.muted).toBe(false);
    expect(out[0]?.muteReason).toBeNull();
  });

  it('apply until the instant `until`, and say so once lapsed', () => {
    const f = finding(101, 'stale', 'medium', { clientId: 456 });
    expect(applyMutes([f], [mute()], new Date('2026-12-31T23:59:59Z')).findings[0]?.muted).toBe(true);
    const after = applyMutes([f], [mute()], new Date('2027-01-01T00:00:00Z'));
    expect(after.findings[0]?.muted).toBe(false);
    expect(after.findings[0]?.message).toContain('(Mute expired on 2026-12-31: kept in the vault.)');
    expect(after.lapsed).toEqual(['the mute of stale on token 101 (account 456) expired on 2026-12-31']);
  });

  it('a mute leaving fields out matches every finding of what it names: all given fields must match', () => {
    const findings = [
      finding(101, 'stale', 'medium', { clientId: 456 }),
      finding(102, 'stale', 'medium', { clientId: 456 }),
      finding(101, 'never-used', 'medium', { clientId: 456 }),
      finding(101, 'stale', 'medium', { clientId: 789 }),
    ];
    const muted = (m: Partial<Mute>) => applyMutes(findings, [mute(m)], NOW).findings.map((f) => f.muted);
    expect(muted({ tokenId: null, clientId: null })).toEqual([true, true, false, true]); // the rule everywhere
    expect(muted({ tokenId: null })).toEqual([true, true, false, false]); // the rule in account 456
    expect(muted({ rule: null })).toEqual([true, false, true, false]); // every rule of token 456/101
    expect(muted({ rule: null, tokenId: null })).toEqual([true, true, true, false]); // the whole account
  });

  it('a coverage gap is muted only by a mute that names coverage-gap', () => {
    const gap = finding(1, 'coverage-gap', 'high', { clientId: 456, tokenId: null });
    expect(applyMutes([gap], [mute({ rule: null, tokenId: null })], NOW).findings[0]?.muted).toBe(false);
    expect(applyMutes([gap], [mute({ rule: 'coverage-gap', tokenId: null })], NOW).findings[0]?.muted).toBe(true);
  });

  it('a mute in force wins over a lapsed one on the same finding; a broad lapsed mute is said once', () => {
    const f = finding(101, 'stale', 'medium', { clientId: 456 });
    const old = mute({ id: 'a', until: new Date('2026-01-01T00:00:00Z'), untilText: '2025-12-31' });
    expect(applyMutes([f], [old, mute({ id: 'b' })], NOW).findings[0]?.muted).toBe(true);
    const broad = mute({ tokenId: null, until: new Date('2026-01-01T00:00:00Z'), untilText: '2025-12-31' });
    const out = applyMutes([f, finding(102, 'stale', 'medium', { clientId: 456 })], [broad], NOW);
    expect(out.lapsed).toEqual(['the mute of stale on account 456 expired on 2025-12-31']);
  });
});

describe('describeMuteMatch', () => {
  it.each([
    [{ rule: 'stale' as const, clientId: 456, tokenId: 101 }, 'stale on token 101 (account 456)'],
    [{ rule: null, clientId: null, tokenId: 101 }, 'every rule on token 101 (account any)'],
    [{ rule: null, clientId: 456, tokenId: null }, 'every rule on account 456'],
    [{ rule: 'stale' as const, clientId: null, tokenId: null }, 'stale on every account'],
  ])('names %p as %p', (m, text) => {
    expect(describeMuteMatch(m)).toBe(text);
  });
});

describe('a lapsed mute', () => {
  const f = finding(101, 'stale', 'medium', { clientId: 456 });
  const lapsedMute = (overrides: Partial<Mute>) => mute({ until: new Date('2026-01-01T00:00:00Z'), untilText: '2025-12-31', ...overrides });

  it('of one rule on one token, in any account, is named by the account of the finding it matched', () => {
    expect(applyMutes([f], [lapsedMute({ clientId: null })], NOW).lapsed).toEqual(['the mute of stale on token 101 (account 456) expired on 2025-12-31']);
  });

  it('of every rule on one token is named by what it matched, not by the rule of the finding', () => {
    expect(applyMutes([f], [lapsedMute({ rule: null })], NOW).lapsed).toEqual(['the mute of every rule on token 101 (account 456) expired on 2025-12-31']);
  });
});

describe('mutes.maxDays, where a mute is applied', () => {
  // Added on NOW by a `mute add` whose own configuration allowed ten years.
  const stored = (until: string): StoredMute => ({
    id: 'm-1',
    rule: 'stale',
    clientId: 456,
    tokenId: 101,
    reason: 'kept in the vault',
    by: 'alice',
    until,
    untilText: until,
    createdAt: NOW.toISOString(),
  });
  const CAP = new Date('2027-02-27T12:00:00.000Z'); // NOW + 90 days

  it('a mute stored past the applying run\'s maxDays is cut to maxDays after it was added, and says so', () => {
    const applied = toMute(stored('2035-01-01T00:00:00.000Z'), 90);
    expect(applied.until).toEqual(CAP);
    expect(applied.capped).toBe(
      'the mute m-1 of stale on token 101 (account 456) reaches past mutes.maxDays (90 days after it was added): applied until 2027-02-27T12:00:00.000Z, not 2035-01-01T00:00:00.000Z',
    );
    const f = finding(101, 'stale', 'medium', { clientId: 456 });
    expect(applyMutes([f], [applied], new Date(CAP.getTime() - 1)).findings[0]?.muted).toBe(true);
    expect(applyMutes([f], [applied], CAP).findings[0]?.muted).toBe(false);
  });

  it('a mute within the bound is applied as stored, with nothing to say', () => {
    const applied = toMute(stored('2027-02-27T12:00:00.000Z'), 90);
    expect(applied.until).toEqual(CAP);
    expect(applied.capped).toBeUndefined();
  });

  it("the run's report warns of each mute it cut", () => {
    const r = buildReport({
      runId: 'r',
      startedAt: NOW,
      finishedAt: NOW,
      now: NOW,
      accounts: [{ clientId: 456, label: 'account 456', error: null }],
      results: [{ clientId: 456, tokenId: 101, status: 'audited', findings: [finding(101, 'stale', 'medium', { clientId: 456 })] }],
      mutes: [toMute(stored('2035-01-01T00:00:00.000Z'), 90), toMute({ ...stored('2027-01-01T00:00:00.000Z'), id: 'm-2' }, 90)],
    });
    expect(r.findings[0]?.muted).toBe(true);
    expect(r.warnings).toEqual([expect.stringMatching(/^the mute m-1 of stale on token 101 \(account 456\) reaches past mutes\.maxDays/)]);
  });
});

