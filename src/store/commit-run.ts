import { randomUUID } from 'node:crypto';
import type { RedisClient } from './redis-connection.js';
import { StateConflictError } from '../core/errors.js';
import type { Report } from '../core/report.js';
import type { AlertState } from '../alerts/plan-alerts.js';
import type { SlackMessage } from '../alerts/slack/slack-message.js';
import { loadScript } from './load-script.js';
import { FINDINGS_PER_CHUNK, findingSlices, reportFields } from './report-fields.js';
import type { Finding } from '../core/finding.js';
import { storeKeys } from './store-keys.js';
import { DEFAULT_HISTORY_DAYS, DEFAULT_RUNS_KEEP } from '../config/config-schema.js';
import { historyEntry } from '../core/run-history.js';
import type { Severity } from '../core/severity.js';

const COMMIT_RUN = loadScript('commit-run');
const RECORD_TTL_SECONDS = 86_400;
// Staging of an abandoned attempt (a worker killed mid-way) disappears on its own.
const STAGE_TTL_SECONDS = 3_600;
const CHUNK = 1_000;

/** How the findings moved in a run, by finding id (a finding of several routes counts once). */
export interface RunCounts {
  readonly new: number;
  readonly resolved: number;
  readonly open: number;
}

export interface RunCommit {
  readonly run: string;
  /** States staged before the commit (openStage), a part of the run at a time; the upserts below are added to them. */
  readonly stage?: StateStage;
  readonly trigger: 'schedule' | 'manual';
  readonly counts: RunCounts;
  /** The state version the plan was made from (LoadedStates.version). */
  readonly version: number;
  /** States to write, and state keys to delete. Opaque JSON here, but for each state's `key`. */
  readonly upserts: readonly AlertState[];
  readonly resolvedIds: readonly string[];
  readonly report: Report;
  /** One digest per route that has something to say; none: the run succeeds at commit. */
  readonly digests: readonly { readonly route: string; readonly messages: readonly SlackMessage[] }[];
  /** Open unmuted findings by "rule|severity", for /metrics. */
  readonly openCounts: ReadonlyMap<string, number>;
  readonly gapKeys: readonly string[];
  readonly now: Date;
  /**
   * What the digests told of the run-time mutes: the first `events` mute events (read after the state
   * version, so a commit that succeeds removes exactly those) and the lapsed mutes, deleted. A refused or
   * repeated commit consumes nothing, so each change is told once.
   */
  readonly mutes?: { readonly events: number; readonly lapsed: readonly string[] };
  /** The lapsed revocations the digests told (ids): no longer untold once this commit lands. */
  readonly toldLapses?: readonly string[];
  /**
   * The sentinel's seen sets of the accounts this run listed completely, by client id: the ids the run read
   * (added) and those Gcore said are gone (removed). Applied by the commit alone: a run that dies before it
   * leaves the sentinel as it was.
   */
  readonly seen?: ReadonlyMap<number, SeenChange>;
  /** Run records kept at most (`runs.keep`): the commit drops the oldest beyond it. */
  readonly keep?: number;
  /**
   * For the run's history summary and the oldest-open gauge: seconds from first seen to resolved of each
   * finding the run resolved (resolvedAges), and the oldest open unmuted first seen by severity
   * (oldestOpenBySeverity). Absent: none resolved, none open.
   */
  readonly ages?: { readonly resolved: readonly number[]; readonly oldestOpen: ReadonlyMap<Severity, number> };
  /** Days the history keeps each summary (`history.days`): the commit drops older ones. */
  readonly historyDays?: number;
}

/** A commit's staging of alert states, written before the commit a part at a time (the report job's pages). */
export interface StateStage {
  readonly run: string;
  readonly attempt: string;
  /** Stages these states to write (their JSON, a chunk at a time). */
  readonly add: (upserts: readonly AlertState[]) => Promise<void>;
  /** Stages these findings of the report (slices of its record): the report committed has them before its own. */
  readonly addFindings: (findings: readonly Finding[]) => Promise<void>;
  /** State fields staged so far. */
  readonly staged: () => number;
  /** Report slices staged so far. */
  readonly slices: () => number;
  /** Drops what was staged (a pass planned again): never committed. */
  readonly discard: () => Promise<void>;
}

export interface SeenChange {
  readonly present: readonly number[];
  readonly gone: readonly number[];
}

/**
 * The staged fields of a commit, serialized one at a time: `u:<id>` a state to write, `d:<id>` one to delete,
 * and (an estate's worth of ids never goes in the script's argument) `s:<j>:<id>` adds to the j-th account's
 * seen set, `g:<j>:<id>` removes from it.
 */
function* stagedFields(upserts: readonly AlertState[], resolvedIds: readonly string[], seen: readonly (readonly [number, SeenChange])[]): Generator<[string, string]> {
  for (const s of upserts) {
    yield [`u:${s.key}`, JSON.stringify(s)];
  }
  for (const id of resolvedIds) {
    yield [`d:${id}`, ''];
  }
  for (const [i, [, change]] of seen.entries()) {
    for (const id of change.present) {
      yield [`s:${i + 1}:${id}`, ''];
    }
    for (const id of change.gone) {
      yield [`g:${i + 1}:${id}`, ''];
    }
  }
}

/**
 * The one atomic commit of a run, at any size: states and report are first staged, in chunks, under keys
 * of this attempt only; then commit-run.lua applies them, with the digests, in one step, provided the run
 * is not committed yet and the state version is still the one the plan was made from. Readers see the run
 * whole or not at all; a retry stages afresh and commits at most once.
 */
export function createRunCommitter(redis: RedisClient, prefix: string) {
  const keys = storeKeys(prefix);

  /**
   * Writes fields to a stage hash a chunk at a time as they are serialized: the states of a large first run
   * (30,000 new findings, about 27 MB of JSON) and the seen ids of a large estate are never all held as text at
   * once. HSET answers how many of its fields are new, so the count is of fields, as HLEN will count them.
   */
  async function stageFields(stage: string, fields: Iterable<[string, string]>): Promise<number> {
    let staged = 0;
    let chunk: Record<string, string> = {};
    let n = 0;
    const flush = async () => {
      // exec() answers null only for a transaction aborted by WATCH, which staging never uses.
      const [[error, added]] = (await redis.multi().hset(stage, chunk).expire(stage, STAGE_TTL_SECONDS).exec()) as [[Error | null, unknown]];
      if (error) {
        throw error;
      }
      staged += Number(added);
      chunk = {};
      n = 0;
    };
    for (const [field, value] of fields) {
      chunk[field] = value;
      n += 1;
      if (n === CHUNK) {
        await flush();
      }
    }
    if (n > 0) {
      await flush();
    }
    return staged;
  }

  return {
    /** A staging for a run's states, written before its commit (commitRun's `stage`); it expires if never committed. */
    openStage(run: string): StateStage {
      const attempt = randomUUID();
      let staged = 0;
      let slices = 0;
      return {
        run,
        attempt,
        add: async (upserts) => {
          staged += await stageFields(keys.stage(run, attempt), stagedFields(upserts, [], []));
        },
        addFindings: async (findings) => {
          for (const [field, value] of findingSlices(findings, slices)) {
            await redis.multi().hset(keys.stageRun(run, attempt), field, value).expire(keys.stageRun(run, attempt), STAGE_TTL_SECONDS).exec();
            slices += 1;
          }
        },
        staged: () => staged,
        slices: () => slices,
        discard: async () => {
          await redis.del(keys.stage(run, attempt), keys.stageRun(run, attempt));
        },
      };
    },

    /** 'already-committed' for a retried report job; throws StateConflictError when another run committed first. */
    async commitRun(input: RunCommit): Promise<'committed' | 'already-committed'> {
      if (input.stage !== undefined && input.stage.run !== input.run) {
        throw new Error(`the staging of run ${input.stage.run} cannot commit run ${input.run}`);
      }
      const attempt = input.stage?.attempt ?? randomUUID();
      const stage = keys.stage(input.run, attempt);
      const stageRun = keys.stageRun(input.run, attempt);
      const seen = [...(input.seen ?? [])];
      try {
        const staged = (input.stage?.staged() ?? 0) + (await stageFields(stage, stagedFields(input.upserts, input.resolvedIds, seen)));
        // What `runs` and `report` read beside the report: the trigger, the counts, each route's digest size.
        const record = {
          // The report's head alone, so listing runs never reads whole reports (megabytes on a large estate).
          head: JSON.stringify({ startedAt: input.report.startedAt, finishedAt: input.report.finishedAt, summary: input.report.summary }),
          trigger: input.trigger,
          counts: JSON.stringify(input.counts),
          routes: JSON.stringify(input.digests.map((d) => ({ route: d.route, messages: d.messages.length }))),
        };
        const ahead = input.stage?.slices() ?? 0;
        let recordFields = Object.keys(record).length + ahead;
        await redis.multi().hset(stageRun, record).expire(stageRun, STAGE_TTL_SECONDS).exec();
        // The report a slice of findings at a time (report-fields.ts), never one JSON text of the whole; after the
        // slices staged ahead of it.
        for (const [field, value] of reportFields(input.report, FINDINGS_PER_CHUNK, ahead)) {
          await redis.multi().hset(stageRun, field, value).expire(stageRun, STAGE_TTL_SECONDS).exec();
          recordFields += 1;
        }

        const digestKeys = input.digests.flatMap((d) => [keys.digest(input.run, d.route), keys.outbox(d.route)]);
        const k = [
          keys.run(input.run),
          keys.findings,
          keys.version,
          keys.counts,
          keys.lastSuccess,
          keys.coverage,
          stage,
          stageRun,
          keys.runPending(input.run),
          keys.mutes,
          keys.muteEvents,
          keys.runs,
          ...digestKeys, // two per route: bounded by the configuration, not by the estate
          ...seen.map(([clientId]) => keys.seen(clientId)), // one per account listed: bounded by the configuration
          keys.history,
          keys.oldestOpen,
          keys.historySlack,
          keys.revocationLapses,
        ];
        const oldestOpen = input.ages?.oldestOpen ?? new Map<Severity, number>();
        const history = historyEntry({
          runId: input.run,
          trigger: input.trigger,
          startedAt: input.report.startedAt,
          finishedAt: input.report.finishedAt,
          summary: input.report.summary,
          counts: input.counts,
          openCounts: input.openCounts,
          resolvedAges: input.ages?.resolved ?? [],
          oldestOpen,
          messages: input.digests.reduce((n, d) => n + d.messages.length, 0),
        });
        const historyDays = input.historyDays ?? DEFAULT_HISTORY_DAYS;
        const arg = JSON.stringify({
          run: input.run,
          version: String(input.version),
          staged: String(staged),
          recordFields: String(recordFields),
          now: String(input.now.getTime()),
          started: String(Date.parse(input.report.startedAt)),
          ttl: String(RECORD_TTL_SECONDS),
          counts: [...input.openCounts].map(([c, count]) => [c, String(count)]),
          gapKeys: JSON.stringify(input.gapKeys),
          digests: input.digests.map((d) => ({ route: d.route, messages: JSON.stringify(d.messages) })),
          muteEvents: input.mutes?.events ?? 0,
          lapsedMutes: input.mutes?.lapsed ?? [],
          // Absent: none told (commit-run.lua reads it as an empty list).
          toldLapses: input.toldLapses,
          seen: seen.length,
          keep: input.keep ?? DEFAULT_RUNS_KEEP,
          // The records of runs dropped beyond `keep` are named from these (same prefix, so same hash slot).
          runKeyPrefix: keys.run(''),
          pendingKeyPrefix: keys.runPending(''),
          history: JSON.stringify(history),
          historyFrom: String(input.now.getTime() - historyDays * 86_400_000),
          oldest: [...oldestOpen].map(([severity, at]) => [severity, String(at)]),
        });
        const outcome = Number(await redis.call('EVAL', [COMMIT_RUN, k.length, ...k, arg]));
        if (outcome === 1) {
          return 'committed';
        }
        if (outcome === 0) {
          return 'already-committed';
        }
        if (outcome === -1) {
          throw new StateConflictError(`another run committed alert state since run ${input.run} read it`);
        }
        throw new Error(`the staged commit of run ${input.run} was incomplete`);
      } finally {
        await redis.del(stage, stageRun); // gone already when committed; an abandoned one must not linger
      }
    },
  };
}

export type RunCommitter = ReturnType<typeof createRunCommitter>;
