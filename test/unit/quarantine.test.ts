import { describe, expect, it } from '@jest/globals';
import {
  quarantineApprover,
  quarantineDeadline,
  quarantineFor,
  quarantineLine,
  quarantineVerdict,
  type QuarantineEntry,
} from '../../src/core/quarantine.js';

const entry: QuarantineEntry = { rule: 'never-expiring-admin', afterHours: 24, dryRun: true };
const foundAt = new Date('2026-12-04T09:00:00.000Z');
const deadline = quarantineDeadline(foundAt, entry);
const q = { clientId: 456, tokenId: 101, rules: ['never-expiring-admin' as const, 'never-used' as const], deadline, kept: false, dryRun: false };
const atDeadline = deadline;
const justBefore = new Date(deadline.getTime() - 1);
const mute = (over: Partial<{ rule: 'never-expiring-admin' | 'stale' | null; clientId: number | null; tokenId: number | null; until: Date }> = {}) => ({
  rule: 'never-expiring-admin' as const,
  clientId: 456,
  tokenId: 101,
  until: new Date('2026-12-31T00:00:00.000Z'),
  ...over,
});

describe('quarantine policy (pure)', () => {
  it('applies the first entry whose rule the token breaks; none when it breaks none', () => {
    const stale: QuarantineEntry = { rule: 'stale', afterHours: 48, dryRun: false };
    expect(quarantineFor(['never-used', 'never-expiring-admin'], [stale, entry])).toBe(entry);
    expect(quarantineFor(['stale', 'never-expiring-admin'], [stale, entry])).toBe(stale);
    expect(quarantineFor(['never-used'], [stale, entry])).toBeNull();
  });

  it('names the policy as the approver and puts the deadline afterHours after the finding', () => {
    expect(quarantineApprover(entry)).toBe('policy: quarantine never-expiring-admin 24h');
    expect(deadline.toISOString()).toBe('2026-12-05T09:00:00.000Z');
  });

  it("announces the deadline and how to stop it; a dry run says it only would", () => {
    expect(quarantineLine('r-1a2b3c4d', deadline, false)).toBe(
      'will be deleted at 2026-12-05 09:00 UTC unless muted or approved to stay (`revoke keep r-1a2b3c4d`)',
    );
    expect(quarantineLine('r-1a2b3c4d', deadline, true)).toBe(
      'would be deleted at 2026-12-05 09:00 UTC unless muted or approved to stay (`revoke keep r-1a2b3c4d`) (dry run)',
    );
  });

  it('waits until the deadline, then deletes; a dry run only records would-delete', () => {
    expect(quarantineVerdict(q, [], justBefore)).toBe('wait');
    expect(quarantineVerdict(q, [], atDeadline)).toBe('delete');
    expect(quarantineVerdict({ ...q, dryRun: true }, [], atDeadline)).toBe('would-delete');
  });

  it('a kept token is never deleted, dry run or not, before or after its deadline', () => {
    for (const dryRun of [false, true]) {
      expect(quarantineVerdict({ ...q, kept: true, dryRun }, [], atDeadline)).toBe('kept');
      expect(quarantineVerdict({ ...q, kept: true, dryRun }, [], justBefore)).toBe('kept');
    }
  });

  it('a mute in force at the deadline that matches one of its findings stops it; a lapsed or unrelated one does not', () => {
    expect(quarantineVerdict(q, [mute()], atDeadline)).toBe('muted');
    expect(quarantineVerdict(q, [mute({ rule: null })], atDeadline)).toBe('muted'); // every rule on the token
    expect(quarantineVerdict(q, [mute({ tokenId: null })], atDeadline)).toBe('muted'); // the rule on the whole account
    expect(quarantineVerdict({ ...q, dryRun: true }, [mute()], atDeadline)).toBe('muted');
    expect(quarantineVerdict(q, [mute({ until: atDeadline })], atDeadline)).toBe('delete'); // lapsed at that moment
    expect(quarantineVerdict(q, [mute({ tokenId: 102 })], atDeadline)).toBe('delete');
    expect(quarantineVerdict(q, [mute({ rule: 'stale' })], atDeadline)).toBe('delete');
  });
});
