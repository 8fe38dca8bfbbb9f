import type { RedisClient } from './redis-connection.js';
import { storeKeys } from './store-keys.js';

/**
 * Keys refused in this run, by `apiKeyEnv:clientId` (a Map in `audit`; shared through Redis by the worker's
 * replicas): once a key is refused, no other token of the account is asked for.
 */
export interface RefusedKeys {
  get(keyId: string): string | undefined | Promise<string | undefined>;
  set(keyId: string, reason: string): unknown;
}

// Long past any run's end: the hash only has to outlive the run's token jobs.
const REFUSED_TTL_SECONDS = 86_400;

/**
 * The keys Gcore refused during one run, shared by every replica: the first 401/403 on a token of an
 * account marks it, and the account's later token jobs are held without a request. Variable names and
 * account ids only, never a key.
 */
export function createRefusedKeyStore(redis: RedisClient, prefix: string) {
  const keys = storeKeys(prefix);
  return {
    forRun(run: string): RefusedKeys {
      const key = keys.refused(run);
      return {
        get: async (keyId) => (await redis.hget(key, keyId)) ?? undefined,
        set: async (keyId, reason) => {
          await redis.multi().hset(key, keyId, reason).expire(key, REFUSED_TTL_SECONDS).exec();
        },
      };
    },
  };
}

export type RefusedKeyStore = ReturnType<typeof createRefusedKeyStore>;
