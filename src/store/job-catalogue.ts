import type { AccountResult } from '../core/report.js';
import type { TokenRef } from '../core/token-ref.js';

export const RUNS_QUEUE = 'audit-runs';
export const TOKENS_QUEUE = 'audit-tokens';
/**
 * Where a run's gate waits: one job a run, never processed (no worker takes this queue). It is a child of the
 * report job, so the report cannot start while it exists; the run job removes it once its last chunk of token
 * jobs is in.
 */
export const GATES_QUEUE = 'audit-gates';
export const SCHEDULER_ID = 'audit-schedule';
/** The sentinel's scheduler: a sweep every `sentinel.everySeconds`. */
export const SWEEP_SCHEDULER_ID = 'sentinel-sweep';

/** How a run started: by the scheduler, or by `trigger` (a sweep is the sentinel's, not a run). */
export type RunTrigger = 'schedule' | 'manual';

/** Job data by job name. Ids and variable names only: never a key or a webhook URL (Redis stores it in clear). */
export interface JobCatalogue {
  /** Enumerates the accounts and fans out one token job per token under one report job. */
  run: { readonly trigger: RunTrigger };
  /** Reads one token and evaluates the rules. */
  token: { readonly runKey: string; readonly evaluatedAt: string; readonly ref: TokenRef };
  /** Aggregates the run once every token job has finished, updates alert state and notifies. */
  report: {
    readonly runKey: string;
    readonly startedAt: string;
    readonly evaluatedAt: string;
    readonly accounts: AccountResult[];
    /**
     * How the run started, carried from its run job: a field, not read back out of the run key. Absent only in a
     * report job enqueued by an older version (then runTriggerOf reads the key, as those versions did).
     */
    readonly trigger?: RunTrigger;
    /**
     * Client ids of the accounts the run listed completely, when the worker keeps the sentinel's state:
     * their seen sets are updated by the run's commit. Absent: the commit leaves the sentinel alone.
     */
    readonly listed?: number[];
  };
  /** Lists every discovering account and posts what is new at once (the sentinel). */
  sweep: Record<string, never>;
  /** Delivers every route's outbox now, without a run (after `deliveries resend`). */
  deliver: Record<string, never>;
  /** Proves a worker's loop still takes jobs (see health server). */
  heartbeat: { readonly replica: string };
}
export type JobName = keyof JobCatalogue;

/** A run's key, from its run job's id: scheduler ids (`repeat:audit-schedule:1700000000000`) hold colons, job ids may not. */
export function runKeyOf(runJobId: string): string {
  return runJobId.replace(/[^A-Za-z0-9_-]/g, '-');
}

/**
 * The trigger of a run whose data does not say it (a report job or run record from an older version): manual
 * runs' keys were made `manual-…` by `trigger`. Everything newer carries the trigger as a field.
 */
export function legacyRunTrigger(runKey: string): RunTrigger {
  return runKey.startsWith('manual-') ? 'manual' : 'schedule';
}

export const reportJobId = (runKey: string) => `report-${runKey}`;
export const gateJobId = (runKey: string) => `gate-${runKey}`;
export const tokenJobId = (runKey: string, ref: Pick<TokenRef, 'clientId' | 'tokenId'>) =>
  `token-${runKey}-${ref.clientId}-${ref.tokenId}`;

/** Recovers account and token ids from a token job id (or a `bull:queue:id` key). */
export function parseTokenJobId(key: string): { clientId: number; tokenId: number } | null {
  const m = /-(\d+)-(\d+)$/.exec(key);
  return m ? { clientId: Number(m[1]), tokenId: Number(m[2]) } : null;
}

/** What a processor sees of a BullMQ job (BullMQ's Job satisfies it), so jobs/ need not import BullMQ. */
export interface QueuedJob<N extends JobName> {
  readonly id?: string | undefined;
  readonly name: string;
  readonly data: JobCatalogue[N];
  /** Starts so far, including rate-limited ones that do not count as attempts. */
  readonly attemptsStarted: number;
}

export interface ParentJob extends QueuedJob<'report'> {
  /**
   * One page of the children's results (BullMQ: an HSCAN of the parent's processed hash). The report job reads
   * only pages, never every result at once (`getChildrenValues`), so its memory does not grow with the tokens.
   * The cursor comes back as Redis gives it (a string); 0 or "0" when the scan is done.
   */
  getDependencies(opts: { processed: { cursor: number; count: number } }): Promise<{
    processed?: Record<string, unknown>;
    nextProcessedCursor?: number | string;
  }>;
  getIgnoredChildrenFailures(): Promise<Record<string, string>>;
}
