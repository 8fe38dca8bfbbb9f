import type { RedisClient } from '../queue/redis-connection.js';
import type { Report } from '../core/report.js';
import { storeKeys } from './store-keys.js';

/** How the run's digests fared; `trigger --wait` turns it into an exit code. */
export type Delivery = 'nothing-to-send' | 'pending' | 'delivered' | 'failed';

export interface RunRecord {
  readonly report: Report;
  readonly delivery: Delivery;
}

/**
 * Each run's record (`<prefix>:alerts:run:<run>`, a hash of report, delivery and commit time, kept a day),
 * the last success (a run committed and every digest of it delivered) and the channel announcing a run's end.
 */
export function createRunStore(redis: RedisClient, prefix: string) {
  const keys = storeKeys(prefix);
  return {
    doneChannel: keys.doneChannel,

    async isCommitted(run: string): Promise<boolean> {
      return (await redis.exists(keys.run(run))) === 1;
    },

    async getRun(run: string): Promise<RunRecord | null> {
      const [report, delivery] = await redis.hmget(keys.run(run), 'report', 'delivery');
      return report ? { report: JSON.parse(report) as Report, delivery: (delivery ?? 'pending') as Delivery } : null;
    },

    /** For 'pending' and 'failed' only: 'delivered' is set with the last digest (complete-digest.lua). */
    async setDelivery(run: string, delivery: 'pending' | 'failed'): Promise<void> {
      // HSET on a record that expired would recreate it without its report: only touch one that exists.
      if ((await redis.exists(keys.run(run))) === 1) {
        await redis.hset(keys.run(run), 'delivery', delivery);
      }
    },

    async announceDone(run: string): Promise<void> {
      await redis.publish(keys.doneChannel, run);
    },

    async lastSuccess(): Promise<number | null> {
      const v = await redis.get(keys.lastSuccess);
      return v === null ? null : Number(v);
    },
  };
}

export type RunStore = ReturnType<typeof createRunStore>;
