import { describe, expect, it } from '@jest/globals';
import { sharedStrings } from '../../src/core/shared-strings.js';
import { finding } from '../support/findings.js';

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
});
