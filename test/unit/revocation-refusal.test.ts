import { describe, expect, it } from '@jest/globals';
import { fingerprintOf } from '../../src/core/revocation.js';
import { parseToken } from '../../src/gcore/parse-token.js';
import { revocationRefusal } from '../../src/run/revoke-token.js';
import { gcoreToken } from '../support/gcore-stand-in.js';

const token = parseToken(gcoreToken(101, { name: 'ci-deploy' }));
const record = { clientId: 456, tokenId: 101, fingerprint: fingerprintOf(token) };
const keys = (deleteKey: string | null, auditKey: string | null = null) => ({ deleteKey, auditKey });

describe('revocationRefusal: why a re-read token must not be deleted', () => {
  it('nothing, when the token is as requested and no key nor protection covers it', () => {
    expect(revocationRefusal(record, token, keys('202_secret', '303_secret'), [])).toBeNull();
    expect(revocationRefusal(record, token, keys('202_secret'), [])).toBeNull(); // the audit key not known here
  });

  it('a token that changed since the request', () => {
    const used = parseToken(gcoreToken(101, { name: 'ci-deploy', last_usage: '2026-12-01T00:00:00.000000Z' }));
    expect(revocationRefusal(record, used, keys('202_secret'), [])).toBe('the token changed since the request: used since the request (last_usage "2026-11-28T00:00:00.000Z" -> "2026-12-01T00:00:00.000Z")');
  });

  it("the deleting key's or the auditing key's own token", () => {
    expect(revocationRefusal(record, token, keys('101_secret', '303_secret'), [])).toBe('token 101 is the deleting key itself');
    expect(revocationRefusal(record, token, keys('202_secret', '101_secret'), [])).toBe('token 101 is the auditing key itself');
    expect(revocationRefusal(record, token, keys('101_secret', '101_secret'), [])).toBe('token 101 is the deleting key itself');
  });

  it('a deleting key that does not show its id (live); a dry run, which has no deleting key, still judges the audit key', () => {
    expect(revocationRefusal(record, token, keys('opaque-key'), [])).toBe('the deleting key does not show its token id ({id}_{secret}): cannot tell it is not this token');
    expect(revocationRefusal(record, token, keys(null), [])).toBeNull();
    expect(revocationRefusal(record, token, keys(null, '101_secret'), [])).toBe('token 101 is the auditing key itself');
    expect(revocationRefusal(record, token, keys(null, 'opaque-audit-key'), [])).toBeNull();
  });

  it('a protected token, by id or by name', () => {
    expect(revocationRefusal(record, token, keys('202_secret'), [{ tokenId: 101 }])).toBe('remediation.protect lists token 101');
    expect(revocationRefusal(record, token, keys('202_secret'), [{ name: 'ci-*' }])).toBe('remediation.protect covers its name ("ci-*")');
    // The change is told before the keys, and the keys before the protection.
    const used = parseToken(gcoreToken(101, { name: 'ci-deploy', exp_date: null }));
    expect(revocationRefusal(record, used, keys('101_secret'), [{ tokenId: 101 }])).toMatch(/^the token changed since the request: exp_date changed/);
    expect(revocationRefusal(record, token, keys('101_secret'), [{ tokenId: 101 }])).toBe('token 101 is the deleting key itself');
  });
});
