import type { IssuerFacts } from '../core/issuer-facts.js';
import type { RedisClient } from './redis-connection.js';
import { storeKeys } from './store-keys.js';

/** How an account's roster went in a run: read (with the key's own user) or not, and why. */
export interface RosterMark {
  readonly keyUserId: number | null;
  readonly error: string | null;
}

/** One run's issuer facts as a token job sees them: its account's roster mark and its issuer's facts. */
export interface IssuerLookup {
  get(clientId: number, userId: number): Promise<{ mark: RosterMark | null; facts: IssuerFacts | undefined }>;
  /** Keeps the facts of a user read one by one (not in the roster), so the run asks for them once. */
  set(clientId: number, userId: number, facts: IssuerFacts): Promise<void>;
}

// Long past any run's end, like the refused keys: the hash only has to outlive the run's token jobs.
const ISSUERS_TTL_SECONDS = 86_400;
// HSET arguments per command: an account of 10,000 users is written in a few round trips, none huge.
const CHUNK = 500;
// A run's hash held by a replica for its token jobs, at most (about 130 B of JSON each: some 7 MB of text).
const MAX_HELD_FIELDS = 50_000;
// Token jobs of a run come back to back; this long without one, the run's jobs are done (or paused by a 429).
const RELEASE_AFTER_MS = 5_000;
// A held copy that lacks an account (stored after it was read) is read again at most this often.
const REREAD_MS = 1_000;

const field = (clientId: number, userId: number) => `${clientId}:${userId}`;
// The mark's field cannot clash with a user's: user ids are numbers.
const markField = (clientId: number) => `${clientId}:roster`;

/**
 * The issuer facts of each run, in one hash per run (field `clientId:userId`, value the IssuerFacts JSON;
 * `clientId:roster` the account's RosterMark), written by the run job and read by its token jobs. Never an
 * email: IssuerFacts holds none. `latest` names the last run that wrote them, which the sentinel reuses.
 */
export interface IssuerFactsStoreOptions {
  /** A run's hash larger than this is not held by a replica (default 50,000 fields). */
  readonly maxHeldFields?: number;
  /** A held copy no token job asked for in this long is dropped (default 5 s): not kept through the report job. */
  readonly releaseAfterMs?: number;
  /** Milliseconds; Date.now otherwise. */
  readonly now?: () => number;
}

export function createIssuerFactsStore(redis: RedisClient, prefix: string, options: IssuerFactsStoreOptions = {}) {
  const keys = storeKeys(prefix);
  const maxHeldFields = options.maxHeldFields ?? MAX_HELD_FIELDS;
  const releaseAfterMs = options.releaseAfterMs ?? RELEASE_AFTER_MS;
  const now = options.now ?? Date.now;
  const parse = (mark: string | null | undefined, facts: string | null | undefined) => ({
    mark: mark ? (JSON.parse(mark) as RosterMark) : null,
    facts: facts ? (JSON.parse(facts) as IssuerFacts) : undefined,
  });
  const lookup = (run: string): IssuerLookup => {
    const key = keys.issuers(run);
    return {
      async get(clientId, userId) {
        const [mark, facts] = await redis.hmget(key, markField(clientId), field(clientId, userId));
        return parse(mark, facts);
      },
      async set(clientId, userId, facts) {
        await redis.multi().hset(key, field(clientId, userId), JSON.stringify(facts)).expire(key, ISSUERS_TTL_SECONDS).exec();
      },
    };
  };

  // This replica's copy of one run's hash (its JSON texts, parsed when asked): null while too big to hold.
  // `readAt`: when the copy was read (a copy lacking an account is read again at most every REREAD_MS).
  let held: { run: string; fields: Promise<Map<string, string> | null>; usedAt: number; readAt: number } | null = null;
  const releaseWhenIdle = (h: NonNullable<typeof held>) => {
    const timer = setInterval(() => {
      if (held === h && now() - h.usedAt >= releaseAfterMs) {
        held = null;
      }
      if (held !== h) {
        clearInterval(timer);
      }
    }, releaseAfterMs);
    timer.unref(); // never what keeps the process up
  };
  const readWhole = async (key: string): Promise<Map<string, string> | null> => {
    if ((await redis.hlen(key)) > maxHeldFields) {
      return null;
    }
    return new Map(Object.entries(await redis.hgetall(key)));
  };
  /**
   * One run's facts as its token jobs read them on this replica: the whole hash once (shared by the jobs that
   * ask meanwhile; the run job wrote it before its fan-out and it does not change but for `set`), kept until a
   * token job of another run asks or none has asked for releaseAfterMs; over maxHeldFields, one HMGET a token as `forRun`. A user the copy lacks in
   * an account whose roster was read is asked of Redis too: another replica may have set it since.
   */
  const heldLookup = (run: string): IssuerLookup => {
    const direct = lookup(run);
    const key = keys.issuers(run);
    const fieldsOf = () => {
      if (held?.run !== run) {
        const fields = readWhole(key);
        const h = { run, fields, usedAt: now(), readAt: now() };
        held = h;
        releaseWhenIdle(h);
        // A failed read is not kept: the next token job reads again.
        fields.catch(() => {
          if (held === h) {
            held = null;
          }
        });
      }
      held.usedAt = now();
      return held.fields;
    };
    // The run job stores the people a batch of accounts at a time, each batch before its token jobs: a copy read
    // before an account's batch was stored lacks its mark. That account is asked of Redis, and the copy is read
    // again (once for the jobs asking meanwhile, at most every REREAD_MS) so the next batches' jobs find theirs.
    const reread = () => {
      const h = held;
      if (h?.run === run && now() - h.readAt >= REREAD_MS) {
        h.readAt = now();
        const fields = readWhole(key);
        // Swapped in once read, so no job waits on it; a failed read keeps the copy there is.
        fields.then(
          () => {
            if (held === h) {
              h.fields = fields;
            }
          },
          () => undefined,
        );
      }
    };
    return {
      async get(clientId, userId) {
        const fields = await fieldsOf();
        if (fields === null) {
          return direct.get(clientId, userId);
        }
        const found = parse(fields.get(markField(clientId)), fields.get(field(clientId, userId)));
        if (found.mark === null) {
          reread();
          return direct.get(clientId, userId);
        }
        return found.facts === undefined && found.mark.error === null ? direct.get(clientId, userId) : found;
      },
      async set(clientId, userId, facts) {
        (await fieldsOf())?.set(field(clientId, userId), JSON.stringify(facts));
        await direct.set(clientId, userId, facts);
      },
    };
  };
  return {
    /** Writes one run's facts: every account's mark, then its users' facts. */
    async save(
      run: string,
      accounts: Iterable<readonly [number, RosterMark, ReadonlyMap<number, IssuerFacts>]>,
    ): Promise<void> {
      const key = keys.issuers(run);
      let args: string[] = [];
      const flush = async () => {
        if (args.length > 0) {
          // The TTL with every write: a run job that dies half way leaves nothing that never expires.
          await redis.multi().hset(key, ...args).expire(key, ISSUERS_TTL_SECONDS).exec();
          args = [];
        }
      };
      for (const [clientId, mark, facts] of accounts) {
        args.push(markField(clientId), JSON.stringify(mark));
        for (const [userId, f] of facts) {
          args.push(field(clientId, userId), JSON.stringify(f));
          if (args.length >= CHUNK * 2) {
            await flush();
          }
        }
      }
      await flush();
      // The hash has its TTL from its last write (a run with no account has no hash to give one).
      await redis.set(keys.issuersLatest, run, 'EX', ISSUERS_TTL_SECONDS);
    },
    forRun: lookup,
    heldForRun: heldLookup,
    /** The run whose facts this replica holds now, if any. */
    heldRun: (): string | null => held?.run ?? null,
    /** The facts of the last run that read people, for the sentinel; null when none is kept. */
    async latest(): Promise<IssuerLookup | null> {
      const run = await redis.get(keys.issuersLatest);
      return run === null ? null : lookup(run);
    },
  };
}

export type IssuerFactsStore = ReturnType<typeof createIssuerFactsStore>;
