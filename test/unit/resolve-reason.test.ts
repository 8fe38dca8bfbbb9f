import { describe, expect, it } from '@jest/globals';
import { resolveReason } from '../../src/alerts/resolve-reason.js';
import type { TokenSnapshot } from '../../src/core/report.js';
import type { RuleId } from '../../src/core/rule-catalog.js';
import { finding } from '../support/findings.js';

const NOW = new Date('2026-11-29T12:00:00Z');
const EXP = '2027-06-01T00:00:00.000Z';
const USED = '2026-05-01T00:00:00.000Z';

/** The token as this run read it: unchanged from what the findings below were raised on, unless overridden. */
const snapshot = (overrides: Partial<TokenSnapshot> = {}): TokenSnapshot => ({
  expDate: EXP,
  expired: false,
  deleted: false,
  lastUsage: USED,
  issuerDeleted: false,
  inInventory: true,
  ...overrides,
});
const audited = (overrides: Partial<TokenSnapshot> = {}) => ({ status: 'audited' as const, snapshot: snapshot(overrides) });
const f = (rule: RuleId) => finding(7, rule, 'medium', { expDate: EXP, lastUsage: USED });

describe('resolveReason', () => {
  it('says coverage restored for a coverage gap, whatever was read', () => {
    expect(resolveReason(f('coverage-gap'), { status: 'gone' }, NOW)).toBe('coverage restored');
    expect(resolveReason(f('coverage-gap'), undefined, NOW)).toBe('coverage restored');
  });

  it('says deleted for a token that is gone (404) or read as deleted', () => {
    expect(resolveReason(f('stale'), { status: 'gone' }, NOW)).toBe('deleted');
    expect(resolveReason(f('stale'), audited({ deleted: true, expired: true }), NOW)).toBe('deleted');
  });

  it('says policy changed when the token was not read this run', () => {
    expect(resolveReason(f('stale'), undefined, NOW)).toBe('policy changed');
    expect(resolveReason(f('stale'), { status: 'failed' }, NOW)).toBe('policy changed');
  });

  it('says expired when flagged expired, or when the expiry is now or past, not when it is still ahead', () => {
    expect(resolveReason(f('stale'), audited({ expired: true }), NOW)).toBe('expired');
    expect(resolveReason(f('stale'), audited({ expDate: NOW.toISOString() }), NOW)).toBe('expired');
    expect(resolveReason(f('stale'), audited({ expDate: '2026-11-29T11:59:59.999Z' }), NOW)).toBe('expired');
    expect(resolveReason(f('stale'), audited({ expDate: '2026-11-29T12:00:00.001Z' }), NOW)).toBe('policy changed');
  });

  it.each([
    // rule, what changed in the token, the reason; then the same rule with the token unchanged: policy changed
    ['never-expiring', { expDate: EXP }, 'expiry set', { expDate: null }],
    ['never-expiring-admin', { expDate: EXP }, 'expiry set', { expDate: null }],
    ['lifetime-too-long', { expDate: '2027-01-01T00:00:00.000Z' }, 'expiry set', {}],
    ['expiring-soon', { expDate: '2028-01-01T00:00:00.000Z' }, 'expiry extended', {}],
    ['stale', { lastUsage: '2026-11-28T00:00:00.000Z' }, 'used again', {}],
    ['never-used', { lastUsage: '2026-11-28T00:00:00.000Z' }, 'used again', { lastUsage: null }],
    ['orphaned', { issuerDeleted: false }, 'issuer restored', { issuerDeleted: true }],
    ['not-in-inventory', { inInventory: true }, 'added to the inventory', { inInventory: false }],
    ['token-gone', { inInventory: false }, 'removed from the inventory', { inInventory: true }],
  ] as const)('%s: %p resolves as %s; otherwise policy changed', (rule, changed, reason, unchanged) => {
    expect(resolveReason(f(rule), audited(changed), NOW)).toBe(reason);
    expect(resolveReason(f(rule), audited(unchanged), NOW)).toBe('policy changed');
  });

  it('never says used again for a stale token read as never used', () => {
    const never = finding(7, 'stale', 'medium', { lastUsage: null });
    expect(resolveReason(never, audited({ lastUsage: null }), NOW)).toBe('policy changed');
  });

  it('says audited again for an audit failure, and policy changed for a rule with no token-side explanation', () => {
    expect(resolveReason(f('audit-failed'), audited(), NOW)).toBe('audited again');
    expect(resolveReason(f('unknown-role' as RuleId), audited(), NOW)).toBe('policy changed');
  });
});
