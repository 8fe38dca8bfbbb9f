import { describe, expect, it } from '@jest/globals';
import { evaluateToken, type InventoryStanding } from '../../src/core/evaluate-token.js';
import { DEFAULT_THRESHOLDS, type Policy } from '../../src/core/policy.js';
import { ADMIN, DAY, NOW, daysAfter, daysBefore, token } from '../support/tokens.js';
import type { Token } from '../../src/core/token.js';

const policy: Policy = { ...DEFAULT_THRESHOLDS, roles: {} };
const KNOWN: InventoryStanding = { inInventory: true, inventoryDeclared: true };
const rules = (t: Token, standing: InventoryStanding = KNOWN, p: Policy = policy, now = NOW) =>
  evaluateToken(t, standing, now, p).map((h) => `${h.rule}:${h.severity}`);

describe('evaluateToken', () => {
  it('tells each finding in the sentence a person reads, with the figures that decided it', () => {
    const messages = (t: Token, standing: InventoryStanding = KNOWN) => evaluateToken(t, standing, NOW, policy).map((h) => `${h.rule}: ${h.message}`);
    expect(messages(token({ role: ADMIN, expDate: null }))).toEqual(['never-expiring-admin: Administrators token that never expires.']);
    expect(messages(token({ expDate: null }))).toEqual(['never-expiring: Users token that never expires.']);
    expect(messages(token({ lastUsage: null, created: daysBefore(45) }))).toEqual(['never-used: Never used in the 45 days since it was issued (grace: 30 days).']);
    expect(messages(token({ expDate: daysAfter(400) }))).toEqual(['lifetime-too-long: Valid for 600 days (limit: 365 days).']);
    // Rounded up: a token with 2.5 days left has 3 days of use in it, not 2.
    expect(messages(token({ expDate: new Date(NOW.getTime() + 2.5 * DAY) }))).toEqual(['expiring-soon: Expires in 3 day(s) (warning window: 7 days).']);
    expect(messages(token(), { inInventory: false, inventoryDeclared: true })).toEqual(['not-in-inventory: Found in the account, but not in its inventory.']);
  });

  it('finds nothing wrong with a healthy token', () => {
    expect(rules(token())).toEqual([]);
  });

  describe('never-expiring', () => {
    it('is critical for an Administrators token with a null exp_date', () => {
      expect(rules(token({ role: ADMIN, expDate: null }))).toEqual(['never-expiring-admin:critical']);
    });

    it('is medium for any other role', () => {
      expect(rules(token({ expDate: null }))).toEqual(['never-expiring:medium']);
      expect(rules(token({ expDate: null, role: { id: 5, name: 'Engineers' } }))).toEqual(['never-expiring:medium']);
    });
  });

  describe('stale', () => {
    it('is not raised at exactly staleAfterDays', () => {
      expect(rules(token({ lastUsage: daysBefore(90) }))).toEqual([]);
    });

    it('is raised one millisecond past staleAfterDays', () => {
      expect(rules(token({ lastUsage: new Date(daysBefore(90).getTime() - 1) }))).toEqual(['stale:medium']);
    });

    it('is high for Administrators, with the role override applied', () => {
      const p: Policy = { ...policy, roles: { Administrators: { staleAfterDays: 30 } } };
      expect(rules(token({ role: ADMIN, lastUsage: daysBefore(30) }), KNOWN, p)).toEqual([]);
      expect(rules(token({ role: ADMIN, lastUsage: daysBefore(31) }), KNOWN, p)).toEqual(['stale:high']);
      // the override is the Administrators' alone
      expect(rules(token({ lastUsage: daysBefore(31) }), KNOWN, p)).toEqual([]);
    });

    it('says how long the token has been idle', () => {
      const [hit] = evaluateToken(token({ lastUsage: daysBefore(214) }), KNOWN, NOW, policy);
      expect(hit?.message).toBe('Not used for 214 days (limit: 90 days).');
    });
  });

  describe('never-used', () => {
    it('is not raised within unusedGraceDays, nor at exactly it', () => {
      expect(rules(token({ lastUsage: null, created: daysBefore(30) }))).toEqual([]);
    });

    it('is raised past unusedGraceDays, and never as stale', () => {
      expect(rules(token({ lastUsage: null, created: daysBefore(31) }))).toEqual(['never-used:medium']);
      const longLived: Policy = { ...policy, maxLifetimeDays: 5000 };
      expect(rules(token({ lastUsage: null, created: daysBefore(900) }), KNOWN, longLived)).toEqual(['never-used:medium']);
    });

    it("takes the role's own unusedGraceDays, never the role's staleAfterDays", () => {
      // Users: stale after 10 days, but a new token keeps the policy's 30-day grace.
      const staleOnly: Policy = { ...policy, roles: { Users: { staleAfterDays: 10 } } };
      expect(rules(token({ lastUsage: null, created: daysBefore(20) }), KNOWN, staleOnly)).toEqual([]);
      const graceOnly: Policy = { ...policy, roles: { Users: { unusedGraceDays: 10 } } };
      expect(rules(token({ lastUsage: null, created: daysBefore(11) }), KNOWN, graceOnly)).toEqual(['never-used:medium']);
      expect(rules(token({ lastUsage: null, created: daysBefore(10) }), KNOWN, graceOnly)).toEqual([]);
    });
  });

  describe('lifetime-too-long', () => {
    it('compares exp_date − created with maxLifetimeDays', () => {
      const created = daysBefore(10);
      const exp = (d: number) => new Date(created.getTime() + d * DAY);
      expect(rules(token({ created, expDate: exp(365) }))).toEqual([]);
      expect(rules(token({ created, expDate: new Date(exp(365).getTime() + 1) }))).toEqual(['lifetime-too-long:medium']);
    });

    it('does not apply to tokens that never expire', () => {
      expect(rules(token({ created: daysBefore(5000), expDate: null }))).toEqual(['never-expiring:medium']);
    });
  });

  describe('expiring-soon', () => {
    it('is raised within expiringSoonDays, including exactly at it', () => {
      expect(rules(token({ expDate: new Date(daysAfter(7).getTime() + 1) }))).toEqual([]);
      expect(rules(token({ expDate: daysAfter(7) }))).toEqual(['expiring-soon:low']);
      expect(rules(token({ expDate: new Date(NOW.getTime() + 1000) }))).toEqual(['expiring-soon:low']);
    });

    it('honours a role override', () => {
      const p: Policy = { ...policy, roles: { Users: { expiringSoonDays: 14 } } };
      expect(rules(token({ expDate: daysAfter(10) }), KNOWN, p)).toEqual(['expiring-soon:low']);
    });
  });

  it('finds nothing in client_user.deleted alone: Gcore documents it as the token\'s deletion flag, not the issuer\'s', () => {
    expect(rules(token({ issuer: { ...token().issuer, deleted: true } }))).toEqual([]);
    expect(rules(token({ role: ADMIN, issuer: { ...token().issuer, deleted: true } }))).toEqual([]);
  });

  describe('not-in-inventory', () => {
    it('is raised for a discovered token when the account declares an inventory', () => {
      expect(rules(token(), { inInventory: false, inventoryDeclared: true })).toEqual(['not-in-inventory:medium']);
    });

    it('is not raised when the account has no inventory', () => {
      expect(rules(token(), { inInventory: false, inventoryDeclared: false })).toEqual([]);
    });
  });

  describe('inactive tokens', () => {
    const breaksEverything = token({ role: ADMIN, expDate: null, lastUsage: null, created: daysBefore(900), issuer: { ...token().issuer, deleted: true } });

    it.each([
      ['deleted', { deleted: true }, 'was deleted'],
      ['expired', { expired: true }, 'has expired'],
      ['past exp_date', { expDate: NOW }, 'is past its expiry date'],
    ])('get token-gone only when %s and in the inventory', (_label, overrides, why) => {
      const t = { ...breaksEverything, ...overrides };
      const hits = evaluateToken(t, KNOWN, NOW, policy);
      expect(hits.map((h) => h.rule)).toEqual(['token-gone']);
      expect(hits[0]?.severity).toBe('info');
      expect(hits[0]?.message).toContain(why);
    });

    it('get nothing when discovered outside the inventory', () => {
      expect(rules({ ...breaksEverything, deleted: true }, { inInventory: false, inventoryDeclared: true })).toEqual([]);
    });
  });

  it('reports every rule a token breaks at once', () => {
    const t = token({ expDate: daysAfter(3), created: daysBefore(400), lastUsage: daysBefore(100), issuer: { ...token().issuer, deleted: true } });
    expect(rules(t, { inInventory: false, inventoryDeclared: true }).sort()).toEqual(
      ['expiring-soon:low', 'lifetime-too-long:medium', 'not-in-inventory:medium', 'stale:medium'].sort(),
    );
  });

  it('is pure: the same inputs give the same result and the token is not touched', () => {
    const t = Object.freeze(token({ expDate: null }));
    expect(evaluateToken(t, KNOWN, NOW, policy)).toEqual(evaluateToken(t, KNOWN, NOW, policy));
  });
});
