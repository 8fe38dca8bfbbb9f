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

export interface RefusedKeyStoreOptions {
  /**
   * How old this replica's copy of the run's refusals may be before a token job reads them again (default 0:
   * every token job reads). A refusal this replica saw itself is known at once; another replica's within this.
   */
  readonly recheckMs?: number;
  /** Milliseconds, never going back (only differences are used); performance.now otherwise. */
  readonly now?: () => number;
}

// Long past any run's end: the hash only has to outlive the run's token jobs.
const REFUSED_TTL_SECONDS = 86_400;

/** This replica's copy of one run's refusals: the hash is a field per refused account, small. */
interface Held {
  readonly run: string;
  readonly refused: Map<string, string>;
  /** When the last read was sent (a refusal stored after it may be missing), and that read (maybe settled). */
  sentAt: number;
  reading: Promise<void> | null;
}

/**
 * The keys Gcore refused during one run, shared by every replica: the first 401/403 on a token of an
 * account marks it, and the account's later token jobs are held without a request. Variable names and
 * account ids only, never a key. Each replica keeps a copy of the current run's refusals (a new run drops
 * it): with `recheckMs`, the copy is read again (one HGETALL, shared by the token jobs that ask meanwhile)
 * only once it is that old, rather than one HGET per token.
 */
export function createRefusedKeyStore(redis: RedisClient, prefix: string, options: RefusedKeyStoreOptions = {}) {
  const keys = storeKeys(prefix);
  const recheckMs = options.recheckMs ?? 0;
  const now = options.now ?? (() => performance.now());
  let held: Held | null = null;

  const heldFor = (run: string): Held => {
    if (held?.run !== run) {
      held = { run, refused: new Map(), sentAt: -Infinity, reading: null };
    }
    return held;
  };
  const readAgain = (h: Held, key: string): Promise<void> => {
    h.sentAt = now();
    // Kept once settled: awaiting a settled read costs nothing, and a failed one is never joined (sentAt reset).
    h.reading = redis.hgetall(key).then(
      (all) => {
        for (const [keyId, reason] of Object.entries(all)) {
          h.refused.set(keyId, reason);
        }
      },
      (error: unknown) => {
        h.sentAt = -Infinity; // a failed read is no read: the next token job asks again
        throw error;
      },
    );
    return h.reading;
  };

  return {
    forRun(run: string): RefusedKeys {
      const key = keys.refused(run);
      return {
        get: async (keyId) => {
          const h = heldFor(run);
          const known = h.refused.get(keyId);
          if (known !== undefined) {
            return known; // a refusal stays for the whole run: no need to ask Redis again
          }
          // With recheckMs 0 this never holds: the clock never goes back.
          if (now() - h.sentAt < recheckMs) {
            await h.reading; // recent enough: join the read in flight, if any, rather than send one more
          } else {
            await readAgain(h, key);
          }
          return h.refused.get(keyId);
        },
        set: async (keyId, reason) => {
          heldFor(run).refused.set(keyId, reason);
          await redis.multi().hset(key, keyId, reason).expire(key, REFUSED_TTL_SECONDS).exec();
        },
      };
    },
  };
}

export type RefusedKeyStore = ReturnType<typeof createRefusedKeyStore>;
