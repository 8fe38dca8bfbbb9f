import { describe, expect, it } from '@jest/globals';
import { coverageFindings, coverageGaps } from '../../src/core/coverage.js';
import { GcoreResponseError } from '../../src/core/errors.js';
import { parseKeyUserId, parseUser, parseUserPage } from '../../src/gcore/parse-user.js';
import { factsOf } from '../../src/run/read-roster.js';
import { gcoreUser } from '../support/gcore-stand-in.js';

describe('parseUser', () => {
  it('reads what the issuer rules need, the role per account from client_and_roles', () => {
    const user = parseUser(gcoreUser(7, 456, { sso_auth: true, client_and_roles: [{ client_id: 456, client_company_name: 'A', user_id: 7, user_roles: ['5'] }, { client_id: 789, client_company_name: 'B', user_id: 7, user_roles: [] }] }));
    expect(user).toEqual({ id: 7, email: 'user7@example.com', deleted: false, canSignIn: true, sso: true, roles: new Map([[456, 5], [789, null]]) });
  });

  it('cannot sign in when not activated or not active; is_active absent (GET /iam/users/{id} may omit it) counts as active', () => {
    expect(parseUser(gcoreUser(1, 456, { activated: false })).canSignIn).toBe(false);
    expect(parseUser(gcoreUser(1, 456, { is_active: false })).canSignIn).toBe(false);
    expect(parseUser(gcoreUser(1, 456, { is_active: undefined, client_and_roles: undefined })).canSignIn).toBe(true);
  });

  it('names the bad field, never the email', () => {
    const bad = () => parseUser(gcoreUser(1, 456, { email: 'secret.person@example.com', deleted: 'yes' }));
    expect(bad).toThrow(GcoreResponseError);
    expect(bad).toThrow(/^invalid user: deleted: /);
    expect(bad).not.toThrow(/secret\.person/);
    expect(() => parseUserPage({ count: 2, results: [gcoreUser(1), { id: -1 }] }, 100)).toThrow(/^invalid user list at offset 101: id: /);
    expect(() => parseUserPage({ results: [] }, 0)).toThrow(/^invalid user list at offset 0: count: /);
  });

  it('takes the key user from currentUser, null when Gcore does not say', () => {
    expect(parseKeyUserId({ id: 456, currentUser: 1023101 })).toBe(1023101);
    expect(parseKeyUserId({ id: 456 })).toBeNull();
    expect(parseKeyUserId({ id: 456, currentUser: null })).toBeNull();
    expect(() => parseKeyUserId({ currentUser: 'me' })).toThrow(GcoreResponseError);
    expect(() => parseKeyUserId({ currentUser: 'me' })).toThrow(/^GET \/iam\/clients\/me: currentUser: /);
  });

  it('names the response itself when it is no object', () => {
    expect(() => parseUser(null)).toThrow(/^invalid user: \(response\): /);
    expect(() => parseKeyUserId('me')).toThrow(/^GET \/iam\/clients\/me: \(response\): /);
  });

  it('takes a role id only when it is a positive whole number (first of user_roles)', () => {
    const rolesOf = (userRoles: (string | number)[]) =>
      parseUser(gcoreUser(7, 456, { client_and_roles: [{ client_id: 456, user_roles: userRoles }] })).roles.get(456);
    expect(rolesOf(['5', '1'])).toBe(5);
    expect(rolesOf([3])).toBe(3);
    expect(rolesOf(['0'])).toBeNull();
    expect(rolesOf(['-2'])).toBeNull();
    expect(rolesOf(['1.5'])).toBeNull();
    expect(rolesOf(['Administrators'])).toBeNull();
  });
});

describe('factsOf', () => {
  it('keeps no email and no directory verdict (the directory is asked per token, never stored), and marks the key user', () => {
    const facts = factsOf(parseUser(gcoreUser(9, 456, { deleted: true })), 456, 9);
    expect(facts).toEqual({ gcore: 'deleted', canSignIn: true, sso: false, currentRoleId: 2, lastLogin: undefined, directory: { status: 'unknown' }, isKeyUser: true });
    expect(JSON.stringify(factsOf(parseUser(gcoreUser(9)), 789, null))).not.toContain('@');
    expect(factsOf(parseUser(gcoreUser(9)), 789, null).currentRoleId).toBeNull();
  });
});

describe('the roster as a coverage reason', () => {
  it('is a gap of its own, and one high coverage-gap finding with the account\'s other reasons', () => {
    const reason = 'its users could not be read: HTTP 500 (issuer checks skipped)';
    const accounts = [{ clientId: 456, label: 'account 456', error: null, roster: reason }];
    const gaps = coverageGaps(accounts, [{ clientId: 456, tokenId: 1, status: 'audited', findings: [] }]);
    expect(gaps).toEqual([{ key: '456:roster', account: 456, reason, message: `account 456: ${reason}` }]);
    expect(coverageFindings(accounts, gaps).map((f) => [f.rule, f.severity, f.message])).toEqual([['coverage-gap', 'high', `Not fully audited: ${reason}.`]]);
  });
});

describe('the roster refused with the key', () => {
  it('is not said twice when the key\'s refusal already is', () => {
    const refusal = 'GCORE_API_KEY_789 was rejected (401)';
    const accounts = [{ clientId: 789, label: 'account 789', error: null, roster: refusal }];
    const gaps = coverageGaps(accounts, [{ clientId: 789, tokenId: 1, status: 'failed', findings: [], refused: refusal }]);
    expect(gaps.map((g) => g.message)).toEqual([`account 789: ${refusal}`]);
  });
});
