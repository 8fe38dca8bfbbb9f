import { UNKNOWN_ISSUER, type IssuerFacts } from '../core/issuer-facts.js';
import type { GcoreApi } from '../gcore/gcore-api.js';
import type { IssuerLookup, RosterMark } from '../store/issuer-facts-store.js';
import { issuerFacts, type Roster } from './read-roster.js';

/** The marks and facts of a run's rosters, as the store keeps them. */
export function rosterEntries(rosters: ReadonlyMap<number, Roster>): [number, RosterMark, ReadonlyMap<number, IssuerFacts>][] {
  return [...rosters.values()].map((r) => [r.clientId, { keyUserId: r.keyUserId, error: r.error }, r.facts]);
}

/**
 * A token job's issuerOf: the facts its run job stored, else GET /iam/users/{id} for a user the roster
 * had not seen (kept, so the run asks once). `reuse` (the sentinel, reading the last run's facts) also asks
 * when that run has no roster of the account; a run asks nothing of an account whose roster it could not read.
 */
export function storedIssuerOf(
  lookup: IssuerLookup,
  api: GcoreApi,
  options: { reuse?: boolean } = {},
): (clientId: number, userId: number, apiKey: string) => Promise<IssuerFacts> {
  return async (clientId, userId, apiKey) => {
    const { mark, facts } = await lookup.get(clientId, userId);
    if (facts !== undefined) {
      // The last run's role predates a token the sentinel finds new (its issuer may have been promoted since, to
      // issue it): a role drop is not judged from it; the next run reads the roster again and judges it.
      return options.reuse === true && facts.currentRoleId !== null ? { ...facts, currentRoleId: null } : facts;
    }
    if (options.reuse !== true && (mark === null || mark.error !== null)) {
      return UNKNOWN_ISSUER;
    }
    const roster = { clientId, error: null, keyUserId: mark?.keyUserId ?? null, facts: new Map<number, IssuerFacts>() };
    const read = await issuerFacts(roster, userId, apiKey, api);
    if (read.gcore !== 'unknown') {
      await lookup.set(clientId, userId, read);
    }
    return read;
  };
}

/** An IssuerLookup in memory with no roster mark: a sweep with no run's facts to reuse reads each issuer once. */
export function memoryIssuerLookup(): IssuerLookup {
  const facts = new Map<string, IssuerFacts>();
  return {
    get: (clientId, userId) => Promise.resolve({ mark: null, facts: facts.get(`${clientId}:${userId}`) }),
    set: (clientId, userId, f) => {
      facts.set(`${clientId}:${userId}`, f);
      return Promise.resolve();
    },
  };
}
