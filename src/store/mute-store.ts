import { randomBytes } from 'node:crypto';
import type { RedisClient } from './redis-connection.js';
import { capMute, muteInForce, type Mute } from '../core/mute.js';
import type { MuteChange } from '../alerts/mute-notes.js';
import type { RuleId } from '../core/rule-catalog.js';
import { loadScript } from './load-script.js';
import { storeKeys } from './store-keys.js';

const REMOVE_MUTE = loadScript('remove-mute');

/** A run-time mute as kept in Redis (plain JSON). */
export interface StoredMute {
  readonly id: string;
  readonly rule: RuleId | null;
  readonly clientId: number | null;
  readonly tokenId: number | null;
  readonly reason: string;
  readonly by: string;
  /** ISO: the first instant it no longer applies. */
  readonly until: string;
  readonly untilText: string;
  readonly createdAt: string;
}

/** A change of the run-time mutes the channel has not been told yet. */
export interface MuteEvent {
  readonly kind: 'added' | 'removed';
  readonly at: string;
  /** Who added or removed it. */
  readonly by: string;
  readonly mute: StoredMute;
}

/** A stored mute as a run applies it: held to the applying run's `mutes.maxDays` (see capMute). */
export const toMute = (m: StoredMute, maxDays: number): Mute =>
  capMute(
    {
      id: m.id,
      source: 'redis',
      rule: m.rule,
      clientId: m.clientId,
      tokenId: m.tokenId,
      reason: m.reason,
      by: m.by,
      until: new Date(m.until),
      untilText: m.untilText,
    },
    new Date(m.createdAt),
    maxDays,
  );

/** Short enough to type, random enough never to collide in a team's mutes. */
export const newMuteId = () => `m-${randomBytes(4).toString('hex')}`;

/**
 * Run-time mutes (`mute add`): `<prefix>:alerts:mutes` (hash: id -> mute) and `<prefix>:alerts:mute-events`
 * (list, oldest first: added and removed, not yet told). A run's commit consumes the events it told and
 * deletes the mutes that lapsed (commit-run.lua), so each change is told once.
 */
export function createMuteStore(redis: RedisClient, prefix: string) {
  const keys = storeKeys(prefix);
  return {
    async add(mute: StoredMute): Promise<void> {
      const event: MuteEvent = { kind: 'added', at: mute.createdAt, by: mute.by, mute };
      await redis.multi().hset(keys.mutes, mute.id, JSON.stringify(mute)).rpush(keys.muteEvents, JSON.stringify(event)).exec();
    },

    /** The removed mute, or null when there is none of that id. */
    async remove(id: string, by: string, at: Date): Promise<StoredMute | null> {
      const json = (await redis.call('EVAL', [REMOVE_MUTE, 2, keys.mutes, keys.muteEvents, id, at.toISOString(), by])) as string | null;
      return json ? (JSON.parse(json) as StoredMute) : null;
    },

    /** Every mute in Redis, lapsed ones included (a run tells and deletes those), by id. */
    async list(): Promise<StoredMute[]> {
      const all = await redis.hgetall(keys.mutes);
      return Object.values(all)
        .map((json) => JSON.parse(json) as StoredMute)
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    },

    /** The events not told yet, oldest first: a commit passes how many it told (RunCommit.mutes.events). */
    async events(): Promise<MuteEvent[]> {
      return (await redis.lrange(keys.muteEvents, 0, -1)).map((json) => JSON.parse(json) as MuteEvent);
    },
  };
}

export type MuteStore = ReturnType<typeof createMuteStore>;

/**
 * The run-time mute changes not told yet: every event (added, removed), then each mute in Redis that has
 * lapsed at `now` (deleted by the commit, so told once), a mute cut to `maxDays` when that is past. How many
 * events, and which lapsed ids, for the commit.
 */
export async function muteChanges(
  mutes: Pick<MuteStore, 'list' | 'events'> | undefined,
  now: Date,
  maxDays: number,
): Promise<{ changes: MuteChange[]; events: number; lapsed: string[] }> {
  if (!mutes) {
    return { changes: [], events: 0, lapsed: [] };
  }
  const events = await mutes.events();
  const lapsed = (await mutes.list()).flatMap((m) => {
    const applied = toMute(m, maxDays);
    return muteInForce(applied, now) ? [] : [{ ...m, until: applied.until.toISOString(), untilText: applied.untilText }];
  });
  return {
    changes: [...events, ...lapsed.map((m) => ({ kind: 'lapsed' as const, by: m.by, mute: m }))],
    events: events.length,
    lapsed: lapsed.map((m) => m.id),
  };
}

