import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-connection.js';
import { storeKeys } from './store-keys.js';
import { ackInForce, type Acknowledgement } from '../core/acknowledgement.js';
import { findingId, type Finding } from '../core/finding.js';
import { RULE_IDS } from '../core/rule-catalog.js';
import { stateKey, type AlertState } from '../alerts/plan-alerts.js';

/** A Slack delivery is retried for minutes at most; a day covers any redelivery with room to spare. */
export const ACTION_DEDUPE_SECONDS = 86_400;

/**
 * What the Slack actions keep (README "Acting from Slack"): acknowledgements (`<prefix>:alerts:acks`, a hash
 * of finding id to JSON) and the actions already applied (`<prefix>:actions:done:<digest>`, expiring).
 * Slack user ids and display names only: never a token, a webhook or an email.
 */
/** A Slack message as the actions rewrite it: its fallback text and its blocks. */
export interface ActionMessage {
  readonly text: string;
  readonly blocks: readonly Readonly<Record<string, unknown>>[];
}

const digestOf = (parts: readonly string[]) => createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);

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
     * The token's open findings as the worker holds them, found by their ids (one per route and rule: a
     * finding id is a digest of account, token and rule), so a click reads a few fields, not every state.
     */
    async openFindingsOf(clientId: number, tokenId: number, routes: readonly string[]): Promise<Finding[]> {
      const fields = routes.flatMap((route) => RULE_IDS.map((rule) => stateKey(route, findingId(clientId, tokenId, rule))));
      const found = new Map<string, Finding>();
      for (const json of await redis.hmget(keys.findings, ...fields)) {
        if (json !== null) {
          const { finding } = JSON.parse(json) as AlertState;
          found.set(finding.id, finding);
        }
      }
      return [...found.values()];
    },

    /**
     * true the first time `parts` (a payload's ids) are seen within ACTION_DEDUPE_SECONDS, false after: an
     * action Slack delivers twice is applied once. The key is their digest: nothing of the payload's text.
     */
    async firstTime(parts: readonly string[]): Promise<boolean> {
      return (await redis.set(keys.actionDone(digestOf(parts)), '1', 'EX', ACTION_DEDUPE_SECONDS, 'NX')) === 'OK';
    },

    /**
     * Keeps a message as it now reads (a click carries it; a modal's submission does not), for a day: the
     * submission rewrites it from here, with every decision taken on it since.
     */
    async rememberMessage(channel: string, ts: string, message: ActionMessage): Promise<void> {
      await redis.set(keys.actionMessage(digestOf([channel, ts])), JSON.stringify(message), 'EX', ACTION_DEDUPE_SECONDS);
    },

    /** The message as last remembered; null when it never was, or a day has passed. */
    async message(channel: string, ts: string): Promise<ActionMessage | null> {
      const json = await redis.get(keys.actionMessage(digestOf([channel, ts])));
      return json === null ? null : (JSON.parse(json) as ActionMessage);
    },
  };
}

export type ActionStore = ReturnType<typeof createActionStore>;
