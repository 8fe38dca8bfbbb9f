import { GcoreAuthError, GcoreForbiddenError, SecretNotSetError } from '../../core/errors.js';
import type { AccountConfig } from '../../config/config.js';
import type { Secrets } from '../../config/secrets.js';
import type { GcoreApi } from '../../gcore/gcore-api.js';

/** What Gcore said of a key: 401 (refused, whatever the account), or 403 on accounts it may not read. */
interface Refusal {
  rejected: boolean;
  readonly forbidden: Set<number>;
}

/** Why an account could not be audited, for a person: the summary's reason and the line naming the variable. */
export interface KeyProblem {
  readonly apiKeyEnv: string;
  readonly clientId: number | null;
  /** Short, for the summary line: `key rejected`. */
  readonly reason: string;
  /** The stderr line: `GCORE_API_KEY_100005 was rejected (401)`. */
  readonly line: string;
}

export interface KeyWatch {
  /** The API, unchanged, remembering each key's first 401 or 403 (by class, never by message). */
  readonly api: GcoreApi;
  /** The key problem of each account that has one, in the configuration's order. */
  problems(accounts: readonly AccountConfig[], secrets: Secrets): Promise<KeyProblem[]>;
}

/**
 * Gcore's errors name the account, not the variable an operator must fix, and its 403 does not say whether
 * the key lacks a role or belongs to another account: this watch tells both apart (a 403 is followed by one
 * `/iam/clients/me` with the key, which names the account the key belongs to).
 */
export function watchKeys(api: GcoreApi): KeyWatch {
  const refusals = new Map<string, Refusal>();
  const of = (apiKey: string): Refusal => {
    const found = refusals.get(apiKey) ?? { rejected: false, forbidden: new Set<number>() };
    refusals.set(apiKey, found);
    return found;
  };
  const watch = async <T>(apiKey: string, clientId: number | null, call: Promise<T>): Promise<T> => {
    try {
      return await call;
    } catch (error) {
      if (error instanceof GcoreAuthError) {
        of(apiKey).rejected = true;
      } else if (error instanceof GcoreForbiddenError && clientId !== null) {
        of(apiKey).forbidden.add(clientId);
      }
      throw error;
    }
  };
  const watched: GcoreApi = {
    // The people calls pass through: a roster refused is the roster's coverage reason, not the key's.
    ...api,
    getAccountId: (apiKey) => watch(apiKey, null, api.getAccountId(apiKey)),
    listTokens: (clientId, apiKey) => watch(apiKey, clientId, api.listTokens(clientId, apiKey)),
    getToken: (clientId, tokenId, apiKey) => watch(apiKey, clientId, api.getToken(clientId, tokenId, apiKey)),
  };
  return {
    api: watched,
    async problems(accounts, secrets) {
      const out: KeyProblem[] = [];
      for (const account of accounts) {
        const env = account.apiKeyEnv;
        let apiKey: string;
        try {
          apiKey = secrets.get(env);
        } catch (error) {
          if (error instanceof SecretNotSetError) {
            out.push({ apiKeyEnv: env, clientId: account.clientId, reason: 'key not set', line: `${env} is not set (nor ${env}_FILE)` });
            continue;
          }
          throw error;
        }
        const refusal = refusals.get(apiKey);
        if (refusal?.rejected === true) {
          out.push({ apiKeyEnv: env, clientId: account.clientId, reason: 'key rejected', line: `${env} was rejected (401)` });
          continue;
        }
        // An account without a clientId was learnt from the key itself: a 403 there is the key's own account.
        const clientId = account.clientId ?? [...(refusal?.forbidden ?? [])][0] ?? null;
        if (clientId === null || refusal?.forbidden.has(clientId) !== true) {
          continue;
        }
        const owner = await api.getAccountId(apiKey).catch(() => null);
        const line =
          owner !== null && owner !== clientId
            ? `${env} belongs to another account (${owner}), not to account ${clientId} (403)`
            : `${env} may not read account ${clientId} (403): reading every token needs a key with the Administrators role`;
        out.push({ apiKeyEnv: env, clientId, reason: owner !== null && owner !== clientId ? 'key of another account' : 'key may not read', line });
      }
      return out;
    },
  };
}
