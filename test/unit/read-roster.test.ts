import { describe, expect, it } from '@jest/globals';
import { GcoreAuthError, GcoreNotFoundError, GcoreUnavailableError } from '../../src/core/errors.js';
import { UNKNOWN_ISSUER } from '../../src/core/issuer-facts.js';
import type { GcoreApi } from '../../src/gcore/gcore-api.js';
import { deletedFacts, factsOf, issuerFacts, MAX_USER_PAGES, readRoster, USERS_PAGE } from '../../src/run/read-roster.js';
import { gcoreUser } from '../support/gcore-stand-in.js';

const KEY = 'key-value-123456';
/** A Gcore with `users` in account 456 (key user 9), answering pages of GET /iam/users as the stand-in does; calls recorded. */
function people(users: unknown[], more: Partial<GcoreApi> = {}): GcoreApi & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    getAccountId: () => Promise.resolve(456),
    listTokens: () => Promise.resolve([]),
    getToken: () => Promise.reject(new Error('not asked')),
    getAccountDetails: () => (calls.push('me'), Promise.resolve({ currentUser: 9 })),
    listUsers: (limit, offset) => (calls.push(`users ${offset}`), Promise.resolve({ count: users.length, results: users.slice(offset, offset + limit) })),
    ...more,
  };
}
const withRole = (id: number, roleId: number | string) => gcoreUser(id, 456, { client_and_roles: [{ client_id: 456, user_roles: [roleId] }] });

describe('readRoster', () => {
  it("reads the key's own user, then every page of users, each user's facts with no email", async () => {
    const users = Array.from({ length: USERS_PAGE + 1 }, (_, i) => withRole(i + 1, 2));
    const api = people(users);
    const roster = await readRoster(456, KEY, api, 'GCORE_API_KEY');
    expect(api.calls).toEqual(['me', 'users 0', `users ${USERS_PAGE}`]);
    expect(roster.error).toBeNull();
    expect(roster.keyUserId).toBe(9);
    expect(roster.facts.size).toBe(USERS_PAGE + 1);
    expect(roster.facts.get(9)).toEqual({ gcore: 'present', canSignIn: true, sso: false, currentRoleId: 2, lastLogin: undefined, directory: { status: 'unknown' }, isKeyUser: true });
    expect(roster.facts.get(10)?.isKeyUser).toBe(false);
    expect(JSON.stringify([...roster.facts.values()])).not.toContain('@example.com');
  });

  it('stops at an empty page whatever the count says, and gives up past MAX_USER_PAGES pages', async () => {
    const lying = people([], { listUsers: (_, offset) => Promise.resolve({ count: 1_000, results: offset === 0 ? [withRole(1, 2)] : [] }) });
    expect((await readRoster(456, KEY, lying)).facts.size).toBe(1);
    let pages = 0;
    const endless = people([], {
      listUsers: (limit, offset) => {
        pages += 1;
        return Promise.resolve({ count: Number.MAX_SAFE_INTEGER, results: Array.from({ length: limit }, (_, i) => withRole(offset + i + 1, 2)) });
      },
    });
    const roster = await readRoster(456, KEY, endless);
    expect(pages).toBe(MAX_USER_PAGES);
    expect(roster).toEqual({ clientId: 456, error: `its users could not be read: more than ${MAX_USER_PAGES * USERS_PAGE} (issuer checks skipped)`, keyUserId: null, facts: new Map() });
  });

  it("a key Gcore rejects is the key's own gap, in the key's words; other errors say the users could not be read, the key redacted", async () => {
    const rejected = people([], { getAccountDetails: () => Promise.reject(new GcoreAuthError('nope')) });
    expect((await readRoster(456, KEY, rejected, 'GCORE_API_KEY')).error).toBe('GCORE_API_KEY was rejected (401)');
    expect((await readRoster(456, KEY, rejected)).error).toBe('its users could not be read: nope (issuer checks skipped)');
    const down = await readRoster(456, KEY, people([], { listUsers: () => Promise.reject(new GcoreUnavailableError(`HTTP 502 ${KEY}`, undefined)) }), 'GCORE_API_KEY');
    expect(down.error).toMatch(/^its users could not be read: HTTP 502 .* \(issuer checks skipped\)$/);
    expect(down.error).not.toContain(KEY);
    expect(down.facts).toEqual(new Map());
    const bad = await readRoster(456, KEY, people([{ id: 'x' }]));
    expect(bad.error).toMatch(/^its users could not be read: invalid user list at offset 0: id: /);
    await expect(readRoster(456, KEY, people([], { getAccountDetails: () => Promise.reject(new TypeError('bug')) }))).rejects.toThrow('bug');
  });

  it("a user's facts: present or deleted, its role in this account (none in another), the key's own user", () => {
    const user = (roles: (string | number)[]) => ({ id: 5, email: 'e', deleted: false, canSignIn: true, sso: true, roles: new Map([[456, roles.length === 0 ? null : Number(roles[0])]]) });
    expect(factsOf(user([3]), 456, null)).toEqual({ gcore: 'present', canSignIn: true, sso: true, currentRoleId: 3, lastLogin: undefined, directory: { status: 'unknown' }, isKeyUser: false });
    expect(factsOf({ ...user([3]), deleted: true }, 789, 5)).toMatchObject({ gcore: 'deleted', currentRoleId: null, isKeyUser: true });
    expect(factsOf(user([3]), 456, null).isKeyUser).toBe(false);
    expect(deletedFacts(5, 5)).toEqual({ ...UNKNOWN_ISSUER, gcore: 'deleted', canSignIn: false, isKeyUser: true });
    expect(deletedFacts(5, null).isKeyUser).toBe(false);
  });
});

describe('issuerFacts', () => {
  const roster = { clientId: 456, error: null, keyUserId: 9, facts: new Map([[1, { ...UNKNOWN_ISSUER, gcore: 'present' as const }]]) };

  it("answers from the roster; a user it has not seen is read once with GET /iam/users/{id}; 404: deleted", async () => {
    const asked: number[] = [];
    const api = people([], {
      getUser: (userId) => {
        asked.push(userId);
        return userId === 404 ? Promise.reject(new GcoreNotFoundError('User not found.')) : Promise.resolve(gcoreUser(userId, 456, { client_and_roles: [{ client_id: 456, user_roles: [2] }] }));
      },
    });
    expect(await issuerFacts(roster, 1, KEY, api)).toEqual({ ...UNKNOWN_ISSUER, gcore: 'present' });
    expect(await issuerFacts(roster, 9, KEY, api)).toMatchObject({ gcore: 'present', currentRoleId: 2, isKeyUser: true });
    expect(await issuerFacts(roster, 404, KEY, api)).toEqual({ ...UNKNOWN_ISSUER, gcore: 'deleted', canSignIn: false });
    expect(asked).toEqual([9, 404]);
  });

  it("knows nothing without a roster, with a failed one, or from a source that cannot read one user; an unreadable user is unknown; a bug is let through", async () => {
    const api = people([], { getUser: () => Promise.reject(new GcoreUnavailableError('HTTP 500', undefined)) });
    expect(await issuerFacts(undefined, 1, KEY, api)).toBe(UNKNOWN_ISSUER);
    expect(await issuerFacts({ ...roster, error: 'its users could not be read' }, 1, KEY, api)).toBe(UNKNOWN_ISSUER);
    expect(await issuerFacts(roster, 2, KEY, people([]))).toBe(UNKNOWN_ISSUER); // no getUser
    expect(await issuerFacts(roster, 2, KEY, api)).toBe(UNKNOWN_ISSUER);
    await expect(issuerFacts(roster, 2, KEY, people([], { getUser: () => Promise.reject(new TypeError('bug')) }))).rejects.toThrow('bug');
  });
});
