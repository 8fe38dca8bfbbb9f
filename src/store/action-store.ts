import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-connection.js';
import { storeKeys } from './store-keys.js';
import { ackInForce, type Acknowledgement } from '../core/acknowledgement.js';

/** A Slack delivery is retried for minutes at most; a day covers any redelivery with room to spare. */
export const ACTION_DEDUPE_SECONDS = 86_400;

/**
 * What the Slack actions keep (README "Acting from Slack"): acknowledgements (`<prefix>:alerts:acks`, a hash
 * of finding id to JSON) and the actions already applied (`<prefix>:actions:done:<digest>`, expiring).
 * Slack user ids and display names only: never a token, a webhook or an email.
 */
export function createActionStore(redis: RedisClient, prefix: string) {
  const keys = storeKeys(prefix);
  const parse = (json: string) => JSON.parse(json) as Acknowledgement;
  return {
    /**
     * Records the acknowledgements (a later one of a finding replaces the earlier) and drops those lapsed at
     * `now`, in one transaction.
     */
    async acknowledge(acks: readonly Acknowledgement[], now: Date): Promise<void> {
      const lapsed = Object.entries(await redis.hgetall(keys.acks))
        .filter(([, json]) => !ackInForce(parse(json), now))
        .map(([id]) => id);
      const tx = redis.multi();
      if (lapsed.length > 0) {
        tx.hdel(keys.acks, ...lapsed);
      }
      for (const a of acks) {
        tx.hset(keys.acks, a.findingId, JSON.stringify(a));
      }
      await tx.exec();
    },

    /** The acknowledgements in force at `now`, by finding id. */
    async acknowledged(now: Date): Promise<Map<string, Acknowledgement>> {
      const all = Object.values(await redis.hgetall(keys.acks)).map(parse);
      return new Map(all.filter((a) => ackInForce(a, now)).map((a) => [a.findingId, a]));
    },

    /**
     * true the first time `parts` (a payload's ids) are seen within ACTION_DEDUPE_SECONDS, false after: an
     * action Slack delivers twice is applied once. The key is their digest: nothing of the payload's text.
     */
    async firstTime(parts: readonly string[]): Promise<boolean> {
      const digest = createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
      return (await redis.set(keys.actionDone(digest), '1', 'EX', ACTION_DEDUPE_SECONDS, 'NX')) === 'OK';
    },
  };
}

export type ActionStore = ReturnType<typeof createActionStore>;
