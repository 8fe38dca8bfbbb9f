import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../queue/redis-connection.js';
import { OutboxClaimLostError } from '../core/errors.js';
import type { SlackMessage } from '../slack/slack-message.js';
import { loadScript } from './load-script.js';
import { storeKeys } from './store-keys.js';

const COMPLETE_DIGEST = loadScript('complete-digest');
const RENEW_LOCK = loadScript('renew-lock');
const RELEASE_LOCK = loadScript('release-lock');

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
      const k = [keys.digest(run, route), keys.outbox(route), keys.run(run), keys.runPending(run), keys.lastSuccess];
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

    /** Releases every claim this process holds (the worker stopping), so another replica delivers at once. */
    async releaseAll(): Promise<void> {
      await Promise.allSettled([...held].map(([lock, token]) => release(lock, token)));
    },
  };
}

export type OutboxStore = ReturnType<typeof createOutboxStore>;
