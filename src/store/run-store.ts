import type { RedisClient } from './redis-connection.js';
import type { Report } from '../core/report.js';
import type { RunCounts } from './commit-run.js';
import { storeKeys } from './store-keys.js';
import { hasReport, readReport } from './report-fields.js';
import { legacyRunTrigger } from './job-catalogue.js';
import { createHistoryStore } from './history-store.js';
import type { HistoryEntry } from '../core/run-history.js';
import { SEVERITIES } from '../core/severity.js';

/** How the run's digests fared; `trigger --wait` turns it into an exit code. */
export type Delivery = 'nothing-to-send' | 'pending' | 'delivered' | 'failed';

/** What one route's webhook got of a run's digest. */
export interface RouteDelivery {
  readonly route: string;
  /** Messages in the digest. */
  readonly messages: number;
  /** Messages Slack accepted so far. */
  readonly posted: number;
  readonly state: 'delivered' | 'pending' | 'failed';
  /** Why the last attempt did not deliver (redacted, short); null when none failed. */
  readonly error: string | null;
}

/** A run as `runs` lists it: no report, its head only. */
export interface RunSummary {
  readonly runId: string;
  /** sentinel: a sweep that posted (no report; its posts are its new findings). */
  readonly trigger: 'schedule' | 'manual' | 'sentinel';
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly summary: Report['summary'];
  /** null for a record written before the counts were kept. */
  readonly counts: RunCounts | null;
  readonly delivery: Delivery;
  /** One per route that had a digest of this run (none: nothing to post). */
  readonly routes: readonly RouteDelivery[];
  /** Listed from the history alone (its record is gone): the messages it queued (`routes` is then empty). */
  readonly queued?: number;
}

export interface RunRecord extends RunSummary {
  readonly report: Report;
}

const triggerOf = (run: string, stored: string | null): RunSummary['trigger'] =>
  stored === 'schedule' || stored === 'manual' || stored === 'sentinel' ? stored : legacyRunTrigger(run);

const TRIGGER_OF = { s: 'schedule', m: 'manual', x: 'sentinel' } as const;

/** A route of the run's digest as the record's `routes` field lists it. */
interface StoredRoute {
  readonly route: string;
  readonly messages: number;
}

/** A run whose record is gone, as its history summary and what Slack got of it (history-slack) tell it. */
function fromHistory(e: HistoryEntry, slack: string | null): RunSummary {
  return {
    runId: e.id,
    trigger: TRIGGER_OF[e.tr],
    startedAt: new Date(e.s).toISOString(),
    finishedAt: new Date(e.f).toISOString(),
    summary: {
      accounts: e.a,
      tokensAudited: e.t,
      findings: e.fi,
      bySeverity: Object.fromEntries(SEVERITIES.map((severity, i) => [severity, e.bs[i] ?? 0])) as Report['summary']['bySeverity'],
      muted: e.mu,
      failed: e.fa,
    },
    counts: { new: e.n, resolved: e.r, open: e.o },
    delivery: e.sl === 0 ? 'nothing-to-send' : slack === 'delivered' || slack === 'failed' ? slack : 'pending',
    routes: [],
    queued: e.sl,
  };
}

/**
 * Each run's record (`<prefix>:alerts:run:<run>`, a hash of the report in pieces (report-fields.ts), its head, trigger, counts, routes,
 * delivery and commit time, kept a day), the index of runs by start (`<prefix>:alerts:runs`), the last
 * success (a run committed and every digest of it delivered) and the channel announcing a run's end.
 */
export function createRunStore(redis: RedisClient, prefix: string) {
  const keys = storeKeys(prefix);

  /** Each route's delivery: a route off the pending set got every message; else its digest says how many. */
  async function routesOf(run: string, routes: readonly StoredRoute[], fields: (name: string) => string | null): Promise<RouteDelivery[]> {
    const pending = new Set(await redis.smembers(keys.runPending(run)));
    const out: RouteDelivery[] = [];
    for (const { route, messages } of routes) {
      if (!pending.has(route)) {
        // Done, but with messages Slack refused for good (dead letters: complete-digest.lua counts them in
        // `dead:<route>` as it sets the route's state failed): not all posted.
        const dead = Number(fields(`dead:${route}`) ?? 0);
        out.push(dead > 0 ? { route, messages, posted: messages - dead, state: 'failed', error: fields(`error:${route}`) } : { route, messages, posted: messages, state: 'delivered', error: null });
        continue;
      }
      const posted = Number((await redis.hget(keys.digest(run, route), 'delivered')) ?? 0);
      const state = fields(`state:${route}`) === 'failed' ? 'failed' : 'pending';
      out.push({ route, messages, posted, state, error: fields(`error:${route}`) });
    }
    return out;
  }

  /**
   * The head fields, then each route's state, error and dead letters (the routes are read first, once: a
   * commit writes them and nothing changes them after); `report` stands in for a missing head.
   */
  async function readSummary(run: string, report?: Report): Promise<RunSummary | null> {
    const key = keys.run(run);
    const stored = await redis.hget(key, 'routes');
    const routes = stored ? (JSON.parse(stored) as StoredRoute[]) : [];
    const names = routes.flatMap(({ route }) => [`state:${route}`, `error:${route}`, `dead:${route}`]);
    const [head, delivery, trigger, counts, ...rest] = await redis.hmget(key, 'head', 'delivery', 'trigger', 'counts', ...names);
    const parsed = head ? (JSON.parse(head) as Pick<Report, 'startedAt' | 'finishedAt' | 'summary'>) : report;
    if (!parsed) {
      return null;
    }
    const byName = new Map(names.map((name, i) => [name, rest[i] ?? null]));
    return {
      runId: run,
      trigger: triggerOf(run, trigger ?? null),
      startedAt: parsed.startedAt,
      finishedAt: parsed.finishedAt,
      summary: parsed.summary,
      counts: counts ? (JSON.parse(counts) as RunCounts) : null,
      delivery: (delivery ?? 'pending') as Delivery,
      routes: await routesOf(run, routes, (name) => byName.get(name) ?? null),
    };
  }

  return {
    doneChannel: keys.doneChannel,

    async isCommitted(run: string): Promise<boolean> {
      return (await redis.exists(keys.run(run))) === 1;
    },

    /** The run's report and how its delivery stands; null when there is no such record (kept a day). */
    async getRun(run: string): Promise<RunRecord | null> {
      const report = await readReport(redis, keys.run(run));
      const summary = report ? await readSummary(run, report) : null;
      return report && summary ? { ...summary, report } : null;
    },

    /** The newest runs first, at most `limit`, of those whose records are still kept. */
    async listRuns(limit: number): Promise<RunSummary[]> {
      const out: RunSummary[] = [];
      // Newest first; an entry whose record expired is skipped (the next commit trims the index).
      for (const run of await redis.zrevrange(keys.runs, 0, -1)) {
        if (out.length >= limit) {
          break;
        }
        const summary = await readSummary(run);
        if (summary) {
          out.push(summary);
        }
      }
      return out;
    },

    /**
     * Every run and posting sweep started at or after `since`, newest first, from the history (history.days):
     * from its full record while that is kept, else from its summary.
     */
    async listSince(since: Date): Promise<RunSummary[]> {
      const out: RunSummary[] = [];
      for (const entry of await createHistoryStore(redis, prefix).since(since.getTime())) {
        const summary = await readSummary(entry.id);
        out.push(summary ?? fromHistory(entry, entry.sl > 0 ? await redis.hget(keys.historySlack, entry.id) : null));
      }
      return out;
    },

    /** The newest run still kept, or null; a sweep's entry has no report and is passed over. */
    async lastRun(): Promise<string | null> {
      for (const run of await redis.zrevrange(keys.runs, 0, -1)) {
        if (await hasReport(redis, keys.run(run))) {
          return run;
        }
      }
      return null;
    },

    /**
     * For 'pending' and 'failed' only: 'delivered' is set with the last digest (complete-digest.lua).
     * With a route, also what that route's last attempt met (`reason`: redacted and short by the caller).
     */
    async setDelivery(run: string, delivery: 'pending' | 'failed', route?: { name: string; reason: string }): Promise<void> {
      // HSET on a record that expired would recreate it without its report: only touch one that exists.
      if ((await redis.exists(keys.run(run))) === 1) {
        const fields: Record<string, string> = { delivery };
        if (route) {
          fields[`state:${route.name}`] = delivery;
          fields[`error:${route.name}`] = route.reason;
        }
        await redis.hset(keys.run(run), fields);
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
