import { describe, expect, it } from '@jest/globals';
import { sharedStrings } from '../../src/core/shared-strings.js';
import { finding } from '../support/findings.js';
import type { Finding } from '../../src/core/finding.js';

describe('sharedStrings', () => {
  it('holds each distinct text once, however many findings carry it', () => {
    const shared = sharedStrings();
    const findings = Array.from({ length: 1_000 }, (_, i) => finding(i + 1, i % 2 === 0 ? 'stale' : 'never-expiring-admin'));
    const texts = (f: (typeof findings)[number]) => [f.rule, f.severity, f.accountName, f.role, f.owner, f.issuer?.name, f.issuer?.email, f.created, f.lastUsage, f.expDate, f.message, f.remediation, f.muteReason];
    const distinct = new Set(findings.flatMap(texts).filter((t): t is string => typeof t === 'string'));
    findings.forEach((f) => shared.finding(f));
    expect(shared.size()).toBe(distinct.size);
    expect(shared.size()).toBeLessThan(60);
  });

  it('changes nothing a reader sees: the same JSON, keys in the same order', () => {
    const shared = sharedStrings();
    const plain = finding(7);
    const routed = { ...finding(8, 'slack-route-failing'), route: 'payments' };
    const revoked = { ...finding(9), revoked: { by: 'alice', approvedBy: 'bob' } };
    const noIssuer = { ...finding(10), issuer: null };
    for (const f of [plain, routed, revoked, noIssuer]) {
      expect(JSON.stringify(shared.finding(f))).toBe(JSON.stringify(f));
      expect(shared.finding(f)).toStrictEqual(f); // no key added, not even an undefined one
    }
    expect(shared.finding(plain)).not.toBe(plain); // a copy: the parsed object is dropped
  });

  it('gives back the text it was given, and null or undefined as they are', () => {
    const shared = sharedStrings();
    expect(shared.text('a')).toBe('a');
    expect(shared.text(null)).toBeNull();
    expect(shared.text(undefined)).toBeUndefined();
    expect(shared.size()).toBe(1);
  });

  it('gives a finding alike in every field, in the same key order, as the one object given first', () => {
    const shared = sharedStrings();
    const first = shared.finding(JSON.parse(JSON.stringify(finding(7))) as ReturnType<typeof finding>);
    const again = shared.finding(JSON.parse(JSON.stringify(finding(7))) as ReturnType<typeof finding>);
    expect(again).toBe(first);
    const revoked = { ...finding(9), revoked: { by: 'alice', approvedBy: 'bob' } };
    expect(shared.finding({ ...revoked, revoked: { ...revoked.revoked } })).toBe(shared.finding(revoked));
  });

  it('keeps a finding apart from an earlier one of the same id that differs anywhere, nested fields and key order included', () => {
    const base = finding(7);
    const issuer = { userId: 1, name: 'John Doe', email: 'john@example.com', deleted: true };
    const variants: Finding[] = [
      { ...base, message: 'Not used for 213 days (limit: 90 days).' },
      { ...base, muted: true },
      { ...base, lastUsage: null },
      { ...base, issuer },
      { ...base, issuer: { ...issuer, deleted: false, userId: 2 } }, // a number apart, nested
      { ...base, issuer: null },
      { ...base, revoked: { by: 'alice', approvedBy: 'bob' } },
      { ...base, route: 'payments' },
      // The same fields in another key order: its JSON differs, so it is not the earlier object.
      Object.fromEntries(Object.entries(base).reverse()) as unknown as Finding,
    ];
    for (const variant of variants) {
      const shared = sharedStrings();
      const first = shared.finding(base);
      const other = shared.finding(variant);
      expect(other).toStrictEqual(variant);
      expect(JSON.stringify(other)).toBe(JSON.stringify(variant));
      expect(other).not.toBe(first);
    }
    const shared = sharedStrings();
    const revokedBy = (by: string) => ({ ...base, revoked: { by, approvedBy: 'bob' } });
    expect(shared.finding(revokedBy('carol'))).not.toBe(shared.finding(revokedBy('alice')));
  });

  it('holds the latest of two findings of one id: a third alike the second is the second', () => {
    const shared = sharedStrings();
    shared.finding(finding(7));
    const changed = shared.finding({ ...finding(7), muted: true });
    expect(shared.finding({ ...finding(7), muted: true })).toBe(changed);
  });

  it('forgets the findings given so far, not the texts: a finding given again is a new object with the same texts', () => {
    const shared = sharedStrings();
    const first = shared.finding(finding(7));
    const texts = shared.size();
    shared.forget();
    const again = shared.finding(finding(7));
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
    expect(again.message).toBe(first.message);
    expect(shared.size()).toBe(texts);
    expect(shared.finding(finding(7))).toBe(again);
  });

  it("forgets a token's own instants with its page, and keeps the texts findings share", () => {
    const shared = sharedStrings();
    // Each token its own created, last-used and expiry instants, as Gcore's are: 3 texts a token.
    const at = (i: number) => ({
      created: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
      lastUsage: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      expDate: new Date(Date.UTC(2027, 0, 1, 0, 0, i)).toISOString(),
    });
    const sharedTexts = 8; // rule, severity, role, owner, issuer name and email, message, remediation
    for (let page = 0; page < 10; page += 1) {
      for (let i = page * 100; i < (page + 1) * 100; i += 1) {
        shared.finding(finding(i + 1, 'stale', 'medium', at(i)));
      }
      expect(shared.size()).toBe(sharedTexts + 300);
      shared.forget();
      expect(shared.size()).toBe(sharedTexts);
    }
    // Within a page, one copy of an instant for all the findings that carry it.
    const [a, b] = [finding(1, 'stale', 'medium', at(5)), finding(1, 'never-expiring', 'medium', at(5))];
    shared.finding(a);
    shared.finding(b);
    expect(shared.size()).toBe(sharedTexts + 1 + 3); // the second rule's name, and the three instants once
  });
});
