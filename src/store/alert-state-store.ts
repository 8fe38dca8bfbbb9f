import type { RedisClient } from './redis-connection.js';
import type { AlertState } from '../alerts/plan-alerts.js';
import { storeKeys } from './store-keys.js';

/** The alert states as one run read them, and the version a commit from them must still find. */
export interface LoadedStates {
  readonly states: Map<string, AlertState>;
  readonly version: number;
}

/** A token with at least one open finding: the worker confirms it with the get-token endpoint even when a list omits it. */
export interface KnownToken {
  readonly clientId: number;
  readonly tokenId: number;
  readonly name: string | null;
}

/**
 * Open findings by id (`<prefix>:alerts:findings`) and their version (`<prefix>:alerts:version`, bumped by
 * every commit), the open counts and coverage gaps of the last commit. States are opaque JSON here;
 * only src/store/commit-run.ts writes them.
 */
export function createAlertStateStore(redis: RedisClient, prefix: string) {
  const keys = storeKeys(prefix);

  async function load(): Promise<LoadedStates> {
    // One transaction, so the version is the one these states were committed under.
    const replies = await redis.multi().get(keys.version).hgetall(keys.findings).exec();
    const [version, all] = (replies ?? []).map(([err, value]) => {
      if (err) {
        throw err;
      }
      return value;
    }) as [string | null, Record<string, string>];
    return {
      version: Number(version ?? 0),
      states: new Map(Object.entries(all).map(([id, json]) => [id, JSON.parse(json) as AlertState])),
    };
  }

  return {
    load,

    async knownTokens(): Promise<KnownToken[]> {
      const { states } = await load();
      const byToken = new Map<string, KnownToken>();
      for (const { finding } of states.values()) {
        // A finding about a whole account (a coverage gap) has no token to confirm.
        if (finding.tokenId !== null && finding.clientId !== null) {
          byToken.set(`${finding.clientId}:${finding.tokenId}`, { clientId: finding.clientId, tokenId: finding.tokenId, name: finding.tokenName });
        }
      }
      return [...byToken.values()];
    },

    /** The coverage gaps of the last committed run. */
    async gapKeys(): Promise<string[]> {
      const json = await redis.get(keys.coverage);
      return json ? (JSON.parse(json) as string[]) : [];
    },

    async openCounts(): Promise<Map<string, number>> {
      const all = await redis.hgetall(keys.counts);
      return new Map(Object.entries(all).map(([c, n]) => [c, Number(n)]));
    },
  };
}

export type AlertStateStore = ReturnType<typeof createAlertStateStore>;
