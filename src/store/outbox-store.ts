import { randomUUID } from 'node:crypto';
import type { RedisClient } from './redis-connection.js';
import { OutboxClaimLostError } from '../core/errors.js';
import type { SlackMessage } from '../alerts/slack/slack-message.js';
import { loadScript } from './load-script.js';
import { storeKeys } from './store-keys.js';

const COMPLETE_DIGEST = loadScript('complete-digest');
const RENEW_LOCK = loadScript('renew-lock');
const RELEASE_LOCK = loadScript('release-lock');
const DEAD_LETTER = loadScript('dead-letter');
const REQUEUE_DEAD_LETTER = loadScript('requeue-dead-letter');

/** Consecutive failed delivery attempts after which a route counts as failing (a `slack-route-failing` finding). */
export const ROUTE_FAILING_ATTEMPTS = 2;

/** A message Slack refused for good, set aside so the route's next message goes out. Never holds the webhook. */
export interface DeadLetter {
  /** Unique; what `deliveries resend` takes. */
  readonly id: string;
  readonly route: string;
  /** The run (or sentinel sweep) whose digest held it, and its place there. */
  readonly run: string;
  readonly index: number;
  /** When it was refused (ISO). */
  readonly at: string;
  /** Slack's answer: HTTP status and body (the webhook redacted from it). */
  readonly status: number;
  readonly answer: string;
  readonly message: SlackMessage;
}

/** A route whose deliveries keep failing: how many attempts in a row, since when, and the last reason. */
export interface RouteFailure {
  readonly route: string;
  readonly attempts: number;
  /** When the first failed attempt of the streak was (ISO). */
  readonly since: string;
  readonly reason: string;
}

/** The resend digest of a dead letter: its own run key in the outbox (no colon, as every run key). */
export const resendRunKey = (id: string) => `resend-${id}`;

export interface PendingDigest {
  readonly runKey: string;
  readonly route: string;
  readonly messages: SlackMessage[];
  /** Messages Slack already accepted: a resumed delivery starts after them. */
  readonly delivered: number;
}

/** The right to deliver one route's outbox, held while it is renewed. */
export interface OutboxClaim {
  /** Throws OutboxClaimLostError once the claim is no longer ours: called before every post (a fence). */
  assertHeld(): Promise<void>;
}

/**
 * Digests not yet accepted by Slack, per route: `<prefix>:alerts:outbox[:<route>]` lists run keys in
 * commit order, `<prefix>:alerts:digest:<run>[:<route>]` holds the messages and how many were accepted.
 * One replica at a time delivers a route, under `<prefix>:alerts:outbox-lock[:<route>]`.
 */
export function createOutboxStore(redis: RedisClient, prefix: string) {
  const keys = storeKeys(prefix);
  /** Claims this process holds, released by releaseAll() when the worker stops. */
  const held = new Map<string, string>();

  async function release(lock: string, token: string): Promise<void> {
    held.delete(lock);
    await redis.eval(RELEASE_LOCK, 1, lock, token);
  }

  return {
    async pendingDigests(route: string): Promise<PendingDigest[]> {
      const runs = await redis.lrange(keys.outbox(route), 0, -1);
      const out: PendingDigest[] = [];
      for (const run of runs) {
        const [messages, delivered] = await redis.hmget(keys.digest(run, route), 'messages', 'delivered');
        if (messages) {
          out.push({ runKey: run, route, messages: JSON.parse(messages) as SlackMessage[], delivered: Number(delivered ?? 0) });
        } else {
          await redis.lrem(keys.outbox(route), 0, run); // a digest already completed by an earlier attempt
        }
      }
      return out;
    },

    async markDelivered(run: string, route: string, index: number): Promise<void> {
      await redis.hset(keys.digest(run, route), 'delivered', index + 1);
    },

    /** Drops the delivered digest; true when it was its run's last, which makes the run a success. */
    async completeDigest(run: string, route: string): Promise<boolean> {
      const k = [keys.digest(run, route), keys.outbox(route), keys.run(run), keys.runPending(run), keys.lastSuccess, keys.historySlack];
      return (await redis.call('EVAL', [COMPLETE_DIGEST, k.length, ...k, run, route])) === 1;
    },

    /**
     * Runs `fn` holding the route's outbox claim, renewed every third of `ttlMs` for as long as `fn` runs;
     * false when another replica holds it. A claim that could not be renewed is lost: `assertHeld` then
     * throws, so a holder that stalled past its claim never posts what a new holder may be posting.
     */
    async withClaim(route: string, ttlMs: number, fn: (claim: OutboxClaim) => Promise<void>): Promise<boolean> {
      const lock = keys.outboxLock(route);
      const token = randomUUID();
      if ((await redis.set(lock, token, 'PX', ttlMs, 'NX')) !== 'OK') {
        return false;
      }
      held.set(lock, token);
      let lost = false;
      const renew = setInterval(() => {
        redis.eval(RENEW_LOCK, 1, lock, token, ttlMs).then(
          (ok) => (lost ||= ok !== 1),
          () => undefined, // Redis unreachable: the fence below decides
        );
      }, Math.max(Math.floor(ttlMs / 3), 10));
      const claim: OutboxClaim = {
        async assertHeld() {
          if (lost || (await redis.get(lock)) !== token) {
            lost = true;
            throw new OutboxClaimLostError(`the outbox claim of route "${route}" was lost while delivering`);
          }
        },
      };
      try {
        await fn(claim);
      } finally {
        clearInterval(renew);
        await release(lock, token);
      }
      return true;
    },

    /**
     * Sets message `index` of a digest aside as a dead letter and moves the digest past it, atomically;
     * false when the digest is gone or already past it (another attempt did it).
     */
    async deadLetter(run: string, route: string, index: number, refusal: { at: Date; status: number; answer: string }, message: SlackMessage): Promise<DeadLetter | null> {
      const id = randomUUID().slice(0, 12);
      const entry = { id, route, run, index, at: refusal.at.toISOString(), status: refusal.status, answer: refusal.answer, payload: JSON.stringify(message) };
      const k = [keys.digest(run, route), keys.deadLetters(route), keys.deadLetterRoutes];
      const done = await redis.call('EVAL', [DEAD_LETTER, k.length, ...k, index, JSON.stringify(entry), route]);
      return done === 1 ? { id, route, run, index, at: entry.at, status: entry.status, answer: entry.answer, message } : null;
    },

    /** Dead letters, oldest first: of `route`, or of every route that holds some. */
    async deadLetters(route?: string): Promise<DeadLetter[]> {
      const routes = route === undefined ? (await redis.smembers(keys.deadLetterRoutes)).sort() : [route];
      const out: DeadLetter[] = [];
      for (const r of routes) {
        for (const raw of await redis.lrange(keys.deadLetters(r), 0, -1)) {
          const { payload, ...rest } = JSON.parse(raw) as Omit<DeadLetter, 'message'> & { payload: string };
          out.push({ ...rest, message: JSON.parse(payload) as SlackMessage });
        }
      }
      return out;
    },

    /** Puts a dead letter back in its route's outbox (a digest of its own, delivered next); false when there is no such one. */
    async requeue(route: string, id: string): Promise<boolean> {
      const k = [keys.deadLetters(route), keys.digest(resendRunKey(id), route), keys.outbox(route), keys.deadLetterRoutes];
      return (await redis.call('EVAL', [REQUEUE_DEAD_LETTER, k.length, ...k, id, resendRunKey(id), route])) === 1;
    },

    /** One more failed delivery attempt of `route` (called under its claim: one writer per route). */
    async routeFailed(route: string, at: Date, reason: string): Promise<RouteFailure> {
      const before = await redis.hget(keys.routeFailures, route);
      const previous = before === null ? null : (JSON.parse(before) as RouteFailure);
      const failure: RouteFailure = { route, attempts: (previous?.attempts ?? 0) + 1, since: previous?.since ?? at.toISOString(), reason };
      await redis.hset(keys.routeFailures, route, JSON.stringify(failure));
      return failure;
    },

    /** The route delivered everything it held: its failure streak, if any, ends. */
    async routeDelivered(route: string): Promise<void> {
      await redis.hdel(keys.routeFailures, route);
    },

    /** Routes whose last ROUTE_FAILING_ATTEMPTS delivery attempts or more all failed, by name. */
    async failingRoutes(): Promise<RouteFailure[]> {
      const all = await redis.hgetall(keys.routeFailures);
      return Object.values(all)
        .map((raw) => JSON.parse(raw) as RouteFailure)
        .filter((f) => f.attempts >= ROUTE_FAILING_ATTEMPTS)
        .sort((a, b) => a.route.localeCompare(b.route));
    },

    /** Releases every claim this process holds (the worker stopping), so another replica delivers at once. */
    async releaseAll(): Promise<void> {
      await Promise.allSettled([...held].map(([lock, token]) => release(lock, token)));
    },
  };
}

export type OutboxStore = ReturnType<typeof createOutboxStore>;
