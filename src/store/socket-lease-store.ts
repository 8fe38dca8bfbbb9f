import type { RedisClient } from './redis-connection.js';
import { loadScript } from './load-script.js';

const ACQUIRE_LEASE = loadScript('acquire-lease');
const RENEW_LOCK = loadScript('renew-lock');
const RELEASE_LOCK = loadScript('release-lock');
const CLAIM_INTERACTION = loadScript('claim-interaction');

/** A claimed interaction is remembered a day: Slack does not deliver one again later than that. */
export const INTERACTION_CLAIM_MS = 86_400_000;

export type InteractionClaim = 'claimed' | 'duplicate' | 'not-holder';

/**
 * The lease that gives one replica the Slack socket (`<prefix>:slack:socket-lease`, "<fence>:<holder>"), its
 * fencing counter (`<prefix>:slack:socket-fence`) and each interaction's claim (`<prefix>:slack:interaction:<key>`,
 * the key a hash of the payload's identity, never a token). A value is only ever renewed, released or used to
 * claim by comparison, so a replica whose lease ran out cannot renew, release or claim under another's.
 */
export function createSocketLeaseStore(redis: RedisClient, prefix: string, ttlMs: number) {
  const leaseKey = `${prefix}:slack:socket-lease`;
  const fenceKey = `${prefix}:slack:socket-fence`;
  const claimKey = (key: string) => `${prefix}:slack:interaction:${key}`;
  return {
    /** The lease's value when this holder has it now (newly taken or already its own); null when another does. */
    async acquire(holder: string): Promise<string | null> {
      const value = (await redis.eval(ACQUIRE_LEASE, 2, leaseKey, fenceKey, holder, ttlMs)) as string | null;
      return value ?? null;
    },
    /** False when the lease is no longer this value (it ran out, and perhaps another replica took it). */
    async renew(value: string): Promise<boolean> {
      return Number(await redis.eval(RENEW_LOCK, 1, leaseKey, value, ttlMs)) === 1;
    },
    async release(value: string): Promise<void> {
      await redis.eval(RELEASE_LOCK, 1, leaseKey, value);
    },
    /** Takes an interaction for its work, only under this lease value and only once (see claim-interaction.lua). */
    async claim(value: string, key: string): Promise<InteractionClaim> {
      return (await redis.eval(CLAIM_INTERACTION, 2, leaseKey, claimKey(key), value, INTERACTION_CLAIM_MS)) as InteractionClaim;
    },
    /** The current holder's value, if any (health and tests). */
    async holder(): Promise<string | null> {
      return redis.get(leaseKey);
    },
  };
}

export type SocketLeaseStore = ReturnType<typeof createSocketLeaseStore>;
