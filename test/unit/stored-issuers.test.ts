import { describe, expect, it } from '@jest/globals';
import { GcoreNotFoundError, GcoreUnavailableError } from '../../src/core/errors.js';
import { UNKNOWN_ISSUER, type IssuerFacts } from '../../src/core/issuer-facts.js';
import type { GcoreApi } from '../../src/gcore/gcore-api.js';
import { memoryIssuerLookup, rosterEntries, storedIssuerOf } from '../../src/run/stored-issuers.js';
import type { IssuerLookup, RosterMark } from '../../src/store/issuer-facts-store.js';

const PROMOTED: IssuerFacts = { gcore: 'present', canSignIn: true, sso: false, currentRoleId: 5, directory: { status: 'unknown' }, isKeyUser: false };

/** A run's stored facts: the roster mark of account 456 and the facts kept per user; what is set is recorded. */
function storedLookup(mark: RosterMark | null, facts: Record<number, IssuerFacts> = {}) {
  const set: [number, number, IssuerFacts][] = [];
  const lookup: IssuerLookup = {
    get: (_clientId, userId) => Promise.resolve({ mark, facts: facts[userId] }),
    set: (clientId, userId, f) => {
      set.push([clientId, userId, f]);
      return Promise.resolve();
    },
  };
  return { lookup, set };
}

/** Gcore answering GET /iam/users/{id} with `answer` (a user, or an error thrown); the users asked for are recorded. */
function usersApi(answer: (userId: number) => unknown) {
  const asked: number[] = [];
  const api = {
    getUser: (userId: number) => {
      asked.push(userId);
      return Promise.resolve().then(() => answer(userId));
    },
  } as unknown as GcoreApi;
  return { api, asked };
}

const gcoreUser = (id: number) => ({ id, email: 'person@example.com', deleted: false, activated: true, sso_auth: true });

describe('storedIssuerOf', () => {
  it("a run's token job takes the stored facts as they are, role included, without asking Gcore", async () => {
    const { lookup } = storedLookup({ keyUserId: null, error: null }, { 9: PROMOTED });
    const { api, asked } = usersApi(gcoreUser);
    expect(await storedIssuerOf(lookup, api)(456, 9, 'key')).toBe(PROMOTED);
    expect(asked).toEqual([]);
  });

  it("the sentinel reusing the last run's facts drops their role (it may predate the token), and keeps a null role's facts as they are", async () => {
    const unranked = { ...PROMOTED, currentRoleId: null };
    const { lookup } = storedLookup({ keyUserId: null, error: null }, { 9: PROMOTED, 10: unranked });
    const issuerOf = storedIssuerOf(lookup, usersApi(gcoreUser).api, { reuse: true });
    expect(await issuerOf(456, 9, 'key')).toEqual(unranked);
    expect(await issuerOf(456, 10, 'key')).toBe(unranked);
  });

  it('a run asks nothing of an account whose roster it has no mark of, or could not read', async () => {
    for (const mark of [null, { keyUserId: 7, error: 'its users could not be read' }]) {
      const { lookup, set } = storedLookup(mark);
      const { api, asked } = usersApi(gcoreUser);
      expect(await storedIssuerOf(lookup, api)(456, 9, 'key')).toBe(UNKNOWN_ISSUER);
      expect(asked).toEqual([]);
      expect(set).toEqual([]);
    }
  });

  it('a user the roster had not seen is read from Gcore with the roster\'s key user, and kept so the run asks once', async () => {
    const { lookup, set } = storedLookup({ keyUserId: 9, error: null });
    const { api, asked } = usersApi(gcoreUser);
    const read = await storedIssuerOf(lookup, api)(456, 9, 'key');
    expect(read).toEqual({ gcore: 'present', canSignIn: true, sso: true, currentRoleId: null, lastLogin: undefined, directory: { status: 'unknown' }, isKeyUser: true });
    expect(asked).toEqual([9]);
    expect(set).toEqual([[456, 9, read]]);
  });

  it('the sentinel asks Gcore even with no roster mark (no key user known); a user Gcore does not know is kept as deleted', async () => {
    const { lookup, set } = storedLookup(null);
    const { api, asked } = usersApi(() => {
      throw new GcoreNotFoundError('User not found.');
    });
    const read = await storedIssuerOf(lookup, api, { reuse: true })(456, 9, 'key');
    expect(read).toMatchObject({ gcore: 'deleted', canSignIn: false, isKeyUser: false });
    expect(asked).toEqual([9]);
    expect(set).toEqual([[456, 9, read]]);
  });

  it('a user Gcore could not tell about (a 500) is unknown and not kept: the next token job asks again', async () => {
    const { lookup, set } = storedLookup({ keyUserId: null, error: null });
    const { api } = usersApi(() => {
      throw new GcoreUnavailableError('HTTP 500', undefined);
    });
    expect(await storedIssuerOf(lookup, api)(456, 9, 'key')).toBe(UNKNOWN_ISSUER);
    expect(set).toEqual([]);
  });
});

describe('rosterEntries', () => {
  it("is each roster's client id, its mark (key user, error) and its facts, as the store keeps them", () => {
    const facts = new Map([[9, PROMOTED]]);
    const rosters = new Map([
      [456, { clientId: 456, error: null, keyUserId: 9, facts }],
      [457, { clientId: 457, error: 'its users could not be read', keyUserId: null, facts: new Map<number, IssuerFacts>() }],
    ]);
    expect(rosterEntries(rosters)).toEqual([
      [456, { keyUserId: 9, error: null }, facts],
      [457, { keyUserId: null, error: 'its users could not be read' }, new Map()],
    ]);
  });
});

describe('memoryIssuerLookup', () => {
  it('has no roster mark, and gives back the facts set for the same account and user only', async () => {
    const lookup = memoryIssuerLookup();
    expect(await lookup.get(456, 9)).toEqual({ mark: null, facts: undefined });
    await lookup.set(456, 9, PROMOTED);
    expect(await lookup.get(456, 9)).toEqual({ mark: null, facts: PROMOTED });
    expect((await lookup.get(457, 9)).facts).toBeUndefined();
    expect((await lookup.get(456, 10)).facts).toBeUndefined();
  });
});
