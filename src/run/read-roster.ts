import { AuditError, GcoreAuthError, GcoreNotFoundError } from '../core/errors.js';
import { UNKNOWN_ISSUER, type IssuerFacts } from '../core/issuer-facts.js';
import { redact } from '../core/redact.js';
import type { GcoreApi } from '../gcore/gcore-api.js';
import { keyRefusal } from './key-refusal.js';
import { parseKeyUserId, parseUser, parseUserPage, type GcoreUser } from '../gcore/parse-user.js';

/** Users asked for per GET /iam/users page. */
export const USERS_PAGE = 100;
/** Pages read at most per account and run: a count that keeps growing cannot make the loop endless. */
export const MAX_USER_PAGES = 100;

/** One account's people as read in one run: facts per user id (never an email), or why they could not be read. */
export interface Roster {
  readonly clientId: number;
  /** null when read; otherwise the coverage reason (issuer checks skipped for the account). */
  readonly error: string | null;
  readonly keyUserId: number | null;
  readonly facts: ReadonlyMap<number, IssuerFacts>;
}

/**
 * What is known of one Gcore user in the account `clientId`; the email is dropped. The company directory's
 * verdict is asked per token (auditToken), never kept here: these facts are stored in Redis.
 */
export function factsOf(user: GcoreUser, clientId: number, keyUserId: number | null): IssuerFacts {
  return {
    gcore: user.deleted ? 'deleted' : 'present',
    canSignIn: user.canSignIn,
    sso: user.sso,
    currentRoleId: user.roles.get(clientId) ?? null,
    // Gcore does not document whether GET /iam/activity_log/logins covers anyone but the caller: not evaluable.
    lastLogin: undefined,
    directory: { status: 'unknown' },
    isKeyUser: keyUserId !== null && user.id === keyUserId,
  };
}

/** A user Gcore answers 404 for ("User not found."): deleted. */
export function deletedFacts(userId: number, keyUserId: number | null): IssuerFacts {
  return { ...UNKNOWN_ISSUER, gcore: 'deleted', canSignIn: false, isKeyUser: userId === keyUserId };
}

/**
 * Reads an account's users once: GET /iam/clients/me for the key's own user, then GET /iam/users page by page
 * (ceil(count / USERS_PAGE) calls). The listing carries `is_active` and each user's role per account
 * (`client_and_roles`), which the `users[]` of /iam/clients/me lacks; so no per-user call is needed.
 * Never throws for Gcore's answers: an unreadable roster is `error`, a coverage reason of its own.
 */
export async function readRoster(
  clientId: number,
  apiKey: string,
  api: GcoreApi,
  apiKeyEnv?: string,
): Promise<Roster> {
  const failed = (reason: string): Roster => ({ clientId, error: reason, keyUserId: null, facts: new Map() });
  if (!api.listUsers || !api.getAccountDetails) {
    return failed('its users cannot be read from this source (issuer checks skipped)');
  }
  try {
    const keyUserId = parseKeyUserId(await api.getAccountDetails(apiKey));
    const facts = new Map<number, IssuerFacts>();
    let offset = 0;
    for (let pages = 0; pages < MAX_USER_PAGES; pages += 1) {
      const { count, users } = parseUserPage(await api.listUsers(USERS_PAGE, offset, apiKey), offset);
      for (const user of users) {
        facts.set(user.id, factsOf(user, clientId, keyUserId));
      }
      offset += users.length;
      if (users.length === 0 || offset >= count) {
        return { clientId, error: null, keyUserId, facts };
      }
    }
    return failed(`its users could not be read: more than ${MAX_USER_PAGES * USERS_PAGE} (issuer checks skipped)`);
  } catch (error) {
    if (error instanceof GcoreAuthError && apiKeyEnv !== undefined) {
      // The key itself rejected: the same sentence as the key's own gap, so the account's alert says it once.
      return failed(keyRefusal(error, apiKeyEnv, clientId) ?? error.message);
    }
    if (error instanceof AuditError) {
      return failed(`its users could not be read: ${redact(error.message, [apiKey])} (issuer checks skipped)`);
    }
    throw error;
  }
}

/**
 * The facts of one issuer: the roster's, else GET /iam/users/{id} for a user the roster has not seen
 * (404: deleted). A roster that could not be read gives UNKNOWN_ISSUER without asking: its gap says why.
 */
export async function issuerFacts(
  roster: Pick<Roster, 'error' | 'keyUserId' | 'facts' | 'clientId'> | undefined,
  userId: number,
  apiKey: string,
  api: GcoreApi,
): Promise<IssuerFacts> {
  if (roster === undefined || roster.error !== null) {
    return UNKNOWN_ISSUER;
  }
  const known = roster.facts.get(userId);
  if (known !== undefined || !api.getUser) {
    return known ?? UNKNOWN_ISSUER;
  }
  try {
    return factsOf(parseUser(await api.getUser(userId, apiKey)), roster.clientId, roster.keyUserId);
  } catch (error) {
    if (error instanceof GcoreNotFoundError) {
      return deletedFacts(userId, roster.keyUserId);
    }
    if (error instanceof AuditError) {
      return UNKNOWN_ISSUER; // one user unreadable: its token is still audited, its issuer checks skipped
    }
    throw error;
  }
}
