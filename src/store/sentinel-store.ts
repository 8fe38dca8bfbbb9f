import { randomUUID } from 'node:crypto';
import type { RedisClient } from './redis-connection.js';
import { StateConflictError } from '../core/errors.js';
import type { AlertState } from '../alerts/plan-alerts.js';
import type { ChangeCounts } from '../alerts/count-changes.js';
import type { Report } from '../core/report.js';
import type { SlackMessage } from '../alerts/slack/slack-message.js';
import { loadScript } from './load-script.js';
import { storeKeys } from './store-keys.js';
import { historyEntry } from '../core/run-history.js';
import type { Severity } from '../core/severity.js';

const COMMIT_SWEEP = loadScript('commit-sweep');
const RENEW_LOCK = loadScript('renew-lock');
const RELEASE_LOCK = loadScript('release-lock');
// Token ids are positive: 0 in a seen set marks it as recorded, so an account with no token is not "empty state".
const SEEDED = '0';

export interface SweepCommit {
  /** The sweep's key in the outboxes (`sweep-…`, no colon). */
  readonly sweep: string;
  readonly version: number;
  readonly upserts: readonly AlertState[];
  readonly digests: readonly { readonly route: string; readonly messages: readonly SlackMessage[] }[];
  /** Token ids to add to each account's seen set. */
  readonly seen: ReadonlyMap<number, readonly number[]>;
  /** A sweep that posts: its run-like entry for `runs` (trigger "sentinel"), committed with it. */
  readonly entry?: SweepEntry;
}

/** What `runs` lists of a sweep that posted: its times and how it moved the findings (countChanges). */
export interface SweepEntry {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly summary: Report['summary'];
  readonly counts: ChangeCounts;
  /** Open unmuted findings by "rule|severity" and the oldest's first seen by severity, once its posts are in: its history summary. */
  readonly openCounts?: ReadonlyMap<string, number>;
  readonly oldestOpen?: ReadonlyMap<Severity, number>;
}

// As a run's record: kept a day.
const ENTRY_TTL_SECONDS = 86_400;

/**
 * The sentinel's state: per account, every token id the worker has seen (`<prefix>:sentinel:seen:<clientId>`,
 * written only by commits, a run's (commit-run.lua, see commit-run.ts) and a sweep's, and by a sweep that
 * records an account for the first time), the lock that keeps sweeps from overlapping
 * (`<prefix>:sentinel:lock`), and the sweep's atomic commit (commit-sweep.lua).
 */
export function createSentinelStore(redis: RedisClient, prefix: string) {
  const keys = storeKeys(prefix);
  const seenKey = keys.seen;
  const lockKey = `${prefix}:sentinel:lock`;

  return {
    /** The ids seen in the account; null when none was ever recorded (the worker's state is empty). */
    async seen(clientId: number): Promise<Set<number> | null> {
      const members = await redis.smembers(seenKey(clientId));
      if (!members.includes(SEEDED)) {
        return null;
      }
      return new Set(members.filter((m) => m !== SEEDED).map(Number));
    },

    /**
     * Records accounts never recorded before, with what they hold (a sweep's first listing): nothing of it
     * is posted, so this is the whole of what the sweep commits for them.
     */
    async record(seen: ReadonlyMap<number, readonly number[]>): Promise<void> {
      const multi = redis.multi();
      for (const [clientId, ids] of seen) {
        for (let i = 0; i < Math.max(ids.length, 1); i += 1000) {
          multi.sadd(seenKey(clientId), SEEDED, ...ids.slice(i, i + 1000).map(String));
        }
      }
      await multi.exec();
    },

    /** Throws StateConflictError when a run or sweep committed alert state since `version` was read. */
    async commitSweep(input: SweepCommit): Promise<void> {
      const seen = [...input.seen];
      const k = [
        keys.findings,
        keys.version,
        ...input.digests.flatMap((d) => [keys.digest(input.sweep, d.route), keys.outbox(d.route)]),
        ...seen.map(([clientId]) => seenKey(clientId)),
      ];
      const entry = input.entry !== undefined && input.digests.length > 0 ? input.entry : null;
      if (entry !== null) {
        k.push(keys.run(input.sweep), keys.runs, keys.runPending(input.sweep), keys.history, keys.oldestOpen, keys.historySlack);
      }
      const messages = input.digests.reduce((n, d) => n + d.messages.length, 0);
      const arg = JSON.stringify({
        sweep: input.sweep,
        version: String(input.version),
        upserts: input.upserts.map((s) => [s.key, JSON.stringify(s)]),
        digests: input.digests.map((d) => ({ messages: JSON.stringify(d.messages) })),
        seen: seen.map(([, ids]) => [SEEDED, ...ids.map(String)]),
        ...(entry === null
          ? {}
          : {
              entry: {
                head: JSON.stringify({ startedAt: entry.startedAt, finishedAt: entry.finishedAt, summary: entry.summary }),
                counts: JSON.stringify(entry.counts),
                routes: JSON.stringify(input.digests.map((d) => ({ route: d.route, messages: d.messages.length }))),
                pending: input.digests.map((d) => d.route),
                started: String(Date.parse(entry.startedAt)),
                ttl: String(ENTRY_TTL_SECONDS),
                history: JSON.stringify(
                  historyEntry({
                    runId: input.sweep,
                    trigger: 'sentinel',
                    startedAt: entry.startedAt,
                    finishedAt: entry.finishedAt,
                    summary: entry.summary,
                    counts: entry.counts,
                    openCounts: entry.openCounts ?? new Map(),
                    resolvedAges: [],
                    oldestOpen: entry.oldestOpen ?? new Map(),
                    messages,
                  }),
                ),
                // Absent: the caller did not say, and the gauge's hash is left as the last run wrote it.
                oldest: entry.oldestOpen === undefined ? null : [...entry.oldestOpen].map(([severity, at]) => [severity, String(at)]),
              },
            }),
      });
      const outcome = Number(await redis.call('EVAL', [COMMIT_SWEEP, k.length, ...k, arg]));
      if (outcome === -1) {
        throw new StateConflictError(`a run or sweep committed alert state since sweep ${input.sweep} read it`);
      }
    },

    /** Whether Slack accepted every message of the sweep in this route (its digest is gone from the outbox). */
    async delivered(sweep: string, route: string): Promise<boolean> {
      return (await redis.exists(keys.digest(sweep, route))) === 0;
    },

    /**
     * Runs `fn` holding the sweep lock, renewed every third of `ttlMs` while it runs; false, without running
     * it, when another sweep holds the lock. A sweep that dies leaves it to expire.
     */
    async withLock(ttlMs: number, fn: () => Promise<void>): Promise<boolean> {
      const token = randomUUID();
      if ((await redis.set(lockKey, token, 'PX', ttlMs, 'NX')) !== 'OK') {
        return false;
      }
      const renew = setInterval(() => void redis.eval(RENEW_LOCK, 1, lockKey, token, ttlMs).catch(() => undefined), Math.max(Math.floor(ttlMs / 3), 10));
      try {
        await fn();
      } finally {
        clearInterval(renew);
        await redis.eval(RELEASE_LOCK, 1, lockKey, token).catch(() => undefined);
      }
      return true;
    },
  };
}

export type SentinelStore = ReturnType<typeof createSentinelStore>;
