import type { RedisClient } from './redis-connection.js';
import { parseHistoryEntry, type HistoryEntry } from '../core/run-history.js';
import { SEVERITIES, type Severity } from '../core/severity.js';
import { storeKeys } from './store-keys.js';

/** Entries read per ZRANGE call: 400 days of hourly runs is ~10,000 of them, each under a kilobyte. */
const PAGE = 1_000;

/**
 * The history (`<prefix>:alerts:history`, written by the run's and the sweep's commit, pruned there by
 * `history.days`) and the oldest open finding's first seen by severity (`<prefix>:alerts:oldest-open`).
 */
export function createHistoryStore(redis: RedisClient, prefix: string) {
  const keys = storeKeys(prefix);
  return {
    /** Entries started at or after `since` (ms since epoch), newest first; one that cannot be read is skipped. */
    async since(since: number): Promise<HistoryEntry[]> {
      const out: HistoryEntry[] = [];
      for (let offset = 0; ; offset += PAGE) {
        const page = await redis.zrevrangebyscore(keys.history, '+inf', since, 'LIMIT', offset, PAGE);
        for (const text of page) {
          const entry = parseHistoryEntry(text);
          if (entry !== null) {
            out.push(entry);
          }
        }
        if (page.length < PAGE) {
          return out;
        }
      }
    },

    /** One HGETALL of at most five fields: cheap enough for every scrape. */
    async oldestOpen(): Promise<Map<Severity, number>> {
      const all = await redis.hgetall(keys.oldestOpen);
      const out = new Map<Severity, number>();
      for (const severity of SEVERITIES) {
        // A severity not there reads as NaN: left out like a value that is not a number.
        const at = Number(all[severity]);
        if (Number.isFinite(at)) {
          out.set(severity, at);
        }
      }
      return out;
    },
  };
}

export type HistoryStore = ReturnType<typeof createHistoryStore>;
