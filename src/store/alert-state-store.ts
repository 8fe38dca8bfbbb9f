import type { RedisClient } from './redis-connection.js';
import type { AlertState } from '../alerts/plan-alerts.js';
import { tokenIdSet } from '../core/token-id-set.js';
import { storeKeys } from './store-keys.js';
import { sharedStrings, type SharedStrings } from '../core/shared-strings.js';

// States a page of the scan asks for (HSCAN's COUNT; about 90 KB of JSON): a page and its parsed states die in
// the worker's young generation (1 MB semi-spaces, main.ts), where pages of 500 outlived a scavenge and grew the
// old generation with the open findings. Scans tried before the one-transaction read.
const PAGE = 100;
const LOAD_TRIES = 3;

/** The alert states as one run read them, and the version a commit from them must still find. */
export interface LoadedStates {
  readonly states: Map<string, AlertState>;
  readonly version: number;
}

/**
 * A state as parsed, its texts shared with the other states of the same read (shared-strings.ts); its key is
 * the hash field it was read from (the one text the map and the state then share, not a second copy from the JSON).
 */
export function parseState(key: string, json: string, shared: SharedStrings): AlertState {
  const state = JSON.parse(json) as AlertState;
  return {
    ...state,
    key,
    route: shared.text(state.route),
    finding: shared.finding(state.finding),
    firstSeen: shared.text(state.firstSeen),
    lastSeen: shared.text(state.lastSeen),
    lastNotified: shared.text(state.lastNotified),
  };
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

  /** Every state's key and JSON, a page of the scan (HSCAN) at a time: never the whole hash as one reply. */
  async function eachState(each: (key: string, json: string) => void): Promise<void> {
    let cursor = '0';
    do {
      const [next, page] = await redis.hscan(keys.findings, cursor, 'COUNT', PAGE);
      for (let i = 0; i < page.length; i += 2) {
        each(page[i] as string, page[i + 1] as string);
      }
      cursor = next;
    } while (cursor !== '0');
  }

  /** The states and their version in one transaction: what `load` falls back to when commits keep coming. */
  async function loadAtOnce(shared: SharedStrings): Promise<LoadedStates> {
    const replies = await redis.multi().get(keys.version).hgetall(keys.findings).exec();
    const [version, all] = (replies ?? []).map(([err, value]) => {
      if (err) {
        throw err;
      }
      return value;
    }) as [string | null, Record<string, string>];
    return {
      version: Number(version ?? 0),
      states: new Map(Object.entries(all).map(([id, json]) => [id, parseState(id, json, shared)])),
    };
  }

  /**
   * Read in pages (HSCAN), each parsed as it comes: 30,000 states are about 26 MB of JSON, and HGETALL held
   * all that text at once beside the parsed states (the report job's peak). Every write to the states bumps
   * the version (commit-run, commit-sweep, finish-revocation), so the same version before and after the scan
   * means no write came in between: the states are those of that version, as one transaction read them.
   * `shared`: the texts and findings pool of the caller's job (the report job folds its token results through
   * the same one, so a finding alike in a state and in a result is held once).
   */
  async function load(shared: SharedStrings = sharedStrings()): Promise<LoadedStates> {
    for (let attempt = 0; attempt < LOAD_TRIES; attempt += 1) {
      const before = await redis.get(keys.version);
      const states = new Map<string, AlertState>();
      await eachState((key, json) => states.set(key, parseState(key, json, shared)));
      if ((await redis.get(keys.version)) === before) {
        return { version: Number(before ?? 0), states };
      }
    }
    return loadAtOnce(shared);
  }

  return {
    load,

    /**
     * Every state's key and JSON, a page at a time, handed to `each` and not kept; the version they are of, or
     * null when a commit came in during the scan (what was handed over is then of no one version).
     */
    async scan(each: (key: string, json: string) => void): Promise<number | null> {
      const before = await redis.get(keys.version);
      await eachState(each);
      return (await redis.get(keys.version)) === before ? Number(before ?? 0) : null;
    },

    /** The states at these keys (HMGET), those that exist, parsed with `shared`. */
    async getMany(stateKeys: readonly string[], shared: SharedStrings): Promise<AlertState[]> {
      if (stateKeys.length === 0) {
        return [];
      }
      const values = await redis.hmget(keys.findings, ...stateKeys);
      const out: AlertState[] = [];
      values.forEach((json, i) => {
        if (json !== null) {
          out.push(parseState(stateKeys[i] as string, json, shared));
        }
      });
      return out;
    },

    /**
     * Read page by page and reduced as it comes to the three fields asked for: the run job needs no state whole,
     * and at 30,000 open findings the states parsed whole were the run job's largest holding. No version check:
     * the list only adds tokens to read, and a state committed meanwhile is read by the next run.
     */
    async knownTokens(): Promise<KnownToken[]> {
      const seen = tokenIdSet();
      const known: KnownToken[] = [];
      await eachState((_, json) => {
        const { finding } = JSON.parse(json) as AlertState;
        // A finding about a whole account (a coverage gap) has no token to confirm; a token of several findings is one.
        if (finding.tokenId !== null && finding.clientId !== null && seen.add(finding.clientId, finding.tokenId)) {
          known.push({ clientId: finding.clientId, tokenId: finding.tokenId, name: finding.tokenName });
        }
      });
      return known;
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
