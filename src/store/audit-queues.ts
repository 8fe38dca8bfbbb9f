import { randomUUID } from 'node:crypto';
import { FlowProducer, Queue, type ConnectionOptions, type Job } from 'bullmq';
import type { RedisClient } from './redis-connection.js';
import { StateConflictError } from '../core/errors.js';
import type { Config } from '../config/config.js';
import type { AccountResult } from '../core/report.js';
import type { TokenRef } from '../core/token-ref.js';
import {
  GATES_QUEUE,
  RUNS_QUEUE,
  SCHEDULER_ID,
  SWEEP_SCHEDULER_ID,
  TOKENS_QUEUE,
  gateJobId,
  reportJobId,
  runKeyOf,
  tokenJobId,
  type JobCatalogue,
  type RunTrigger,
} from './job-catalogue.js';

// Finished jobs are removed so Redis holds state, not history; some failures are kept for inspection.
const KEEP = { removeOnComplete: true, removeOnFail: { count: 500 } } as const;

/**
 * Token jobs added in one round trip. The fan-out's memory follows this, not the estate: one atomic flow of
 * 100,000 jobs held 1.4 GB of heap (README "Performance").
 */
export const FAN_OUT_CHUNK = 1000;

/** Where a run's fan-out stands (see addRunFlow). */
export type FanOut =
  | { readonly state: 'none' }
  /** The report job waits on its gate: an earlier attempt was adding token jobs; its times are the run's. */
  | { readonly state: 'adding'; readonly startedAt: Date; readonly evaluatedAt: Date }
  | { readonly state: 'done' };

/** What a run's report job is created with: its key, kind and times. */
export interface RunFlowHead {
  runKey: string;
  trigger: RunTrigger;
  startedAt: Date;
  evaluatedAt: Date;
}

/** What the run's enumeration learnt, which the report job reads: its accounts, and those listed completely. */
export interface RunFlowAccounts {
  accounts: AccountResult[];
  listed?: number[];
}

export interface RunFlow extends RunFlowHead, RunFlowAccounts {
  refs: readonly TokenRef[];
}

/** The queues and everything that adds to them. BullMQ is imported here and in src/app/worker/ only. */
export function createAuditQueues(
  connection: RedisClient,
  prefix: string,
  options: { reportBackoffMs?: number; onError?: (error: Error) => void; fanOutChunk?: number } = {},
) {
  const opts = { connection: connection as ConnectionOptions, prefix };
  // BullMQ keeps an events stream per queue (10,000 entries by default, each completed token job's with its
  // findings): nothing of ours reads it, so it is kept short and Redis holds state, not history.
  const runs = new Queue<JobCatalogue[keyof JobCatalogue]>(RUNS_QUEUE, { ...opts, streams: { events: { maxLen: 1000 } } });
  const tokens = new Queue<JobCatalogue['token']>(TOKENS_QUEUE, { ...opts, streams: { events: { maxLen: 100 } } });
  const gates = new Queue<{ runKey: string }>(GATES_QUEUE, { ...opts, streams: { events: { maxLen: 100 } } });
  const flows = new FlowProducer(opts);
  // Without a listener BullMQ prints every connection error as a raw stack trace on stderr.
  const onError = options.onError ?? (() => undefined);
  runs.on('error', onError);
  tokens.on('error', onError);
  gates.on('error', onError);
  flows.on('error', onError);

  return {
    runs,
    tokens,

    /** Declares the schedule; idempotent, so every replica may call it and a changed cron replaces the old. */
    async declareSchedule(schedule: Config['schedule']): Promise<void> {
      await runs.upsertJobScheduler(
        SCHEDULER_ID,
        { pattern: schedule.cron, tz: schedule.timezone },
        { name: 'run', data: { trigger: 'schedule' }, opts: { attempts: 3, backoff: { type: 'exponential', delay: 10_000 }, ...KEEP } },
      );
    },

    /** Declares the sentinel's sweeps (idempotent), or removes them when it is off. */
    async declareSweeps(sentinel: Config['sentinel']): Promise<void> {
      if (sentinel === null) {
        await runs.removeJobScheduler(SWEEP_SCHEDULER_ID);
        return;
      }
      // One attempt: a failed sweep is not retried, the next one comes everySeconds later.
      await runs.upsertJobScheduler(SWEEP_SCHEDULER_ID, { every: sentinel.everySeconds * 1000 }, { name: 'sweep', data: {}, opts: { attempts: 1, ...KEEP } });
    },

    /** Concurrency and rate of token jobs, across every replica. */
    async limitTokens(concurrency: number): Promise<void> {
      await tokens.setGlobalConcurrency(concurrency);
    },

    /** Enqueues a run now; returns its run key. */
    async triggerRun(): Promise<string> {
      const id = `manual-${randomUUID()}`;
      await runs.add('run', { trigger: 'manual' }, { jobId: id, attempts: 3, backoff: { type: 'exponential', delay: 10_000 }, ...KEEP });
      return runKeyOf(id);
    },

    /** Asks a worker to deliver the outboxes now (a resent dead letter); retried while another replica delivers. */
    async requestDelivery(): Promise<void> {
      await runs.add('deliver', {}, { jobId: `deliver-${randomUUID()}`, attempts: 5, backoff: { type: 'exponential', delay: 2_000 }, ...KEEP });
    },

    /** Where a run's fan-out stands: no report job yet, token jobs still being added (its gate there), or done. */
    async fanOutState(runKey: string): Promise<FanOut> {
      const report = await runs.getJob(reportJobId(runKey));
      if (report === undefined) {
        return { state: 'none' };
      }
      if ((await gates.getJob(gateJobId(runKey))) === undefined) {
        return { state: 'done' };
      }
      const data = report.data as JobCatalogue['report'];
      return { state: 'adding', startedAt: new Date(data.startedAt), evaluatedAt: new Date(data.evaluatedAt) };
    },

    /**
     * The run: a report job waiting on one token job per token, added in chunks so memory does not grow with
     * the estate. The report job is added first with one child, the run's gate, in one atomic flow (openRunFlow);
     * token jobs follow in chunks of `fanOutChunk` as further children, as the run job lists each account
     * (addTokenJobs); the accounts are written into the report job's data and the gate is removed last
     * (closeRunFlow), and only then can the report start (BullMQ moves a parent once its last pending child is
     * gone), so token jobs that all finish before the last chunk is in never start a report of part of the run.
     * Called again after a crash (the report job there, its gate too), it adds only the token jobs that are not
     * yet children: one the report job already counts as pending, processed or failed is skipped, read
     * atomically per chunk, as a finished child's job is removed and adding its id again would run it twice. A
     * token job that fails for good does not block the report (ignoreDependencyOnFailure): the report counts it
     * as audit-failed. addRunFlow is the three in one call.
     */
    async addRunFlow(run: RunFlow, progress: { afterChunk?: (added: number, total: number) => Promise<void> } = {}): Promise<void> {
      await this.openRunFlow(run);
      await this.addTokenJobs(run, run.refs, progress);
      await this.closeRunFlow(run.runKey, run);
    },

    /** Adds the run's report job, held by its gate, unless an earlier attempt did; its accounts come at closeRunFlow. */
    async openRunFlow(head: RunFlowHead): Promise<void> {
      const reportId = reportJobId(head.runKey);
      if ((await runs.getJob(reportId)) !== undefined) {
        return;
      }
      await flows.add({
        name: 'report',
        queueName: RUNS_QUEUE,
        data: {
          runKey: head.runKey,
          trigger: head.trigger,
          startedAt: head.startedAt.toISOString(),
          evaluatedAt: head.evaluatedAt.toISOString(),
          accounts: [],
        },
        opts: {
          jobId: reportId,
          attempts: 8,
          backoff: { type: 'exponential', delay: options.reportBackoffMs ?? 5_000 },
          ...KEEP,
        },
        children: [{ name: 'gate', queueName: GATES_QUEUE, data: { runKey: head.runKey }, opts: { jobId: gateJobId(head.runKey) } }],
      });
    },

    /** Adds the token jobs of `refs` that are not yet children of the run's report job; how many it added. */
    async addTokenJobs(
      head: Pick<RunFlowHead, 'runKey' | 'evaluatedAt'>,
      allRefs: readonly TokenRef[],
      progress: { afterChunk?: (added: number, total: number) => Promise<void> } = {},
    ): Promise<number> {
      const evaluatedAt = head.evaluatedAt.toISOString();
      const reportId = reportJobId(head.runKey);
      const parent = { id: reportId, queue: `${prefix}:${RUNS_QUEUE}` };
      const parentKey = `${parent.queue}:${reportId}`;
      const chunk = options.fanOutChunk ?? FAN_OUT_CHUNK;
      let added = 0;
      for (let start = 0; start < allRefs.length; start += chunk) {
        const refs = allRefs.slice(start, start + chunk);
        const keys = refs.map((ref) => `${prefix}:${TOKENS_QUEUE}:${tokenJobId(head.runKey, ref)}`);
        // One MULTI: a child moves from pending to processed (or failed) atomically, so it is seen in one of them.
        // exec() answers null only for a transaction aborted by WATCH, and nothing is watched here.
        const replies = await connection
          .multi()
          .smismember(`${parentKey}:dependencies`, ...keys)
          .hmget(`${parentKey}:processed`, ...keys)
          .hmget(`${parentKey}:failed`, ...keys)
          .exec();
        const [pending, processed, failed] = replies!.map(([error, value]) => {
          if (error) {
            throw error;
          }
          return value as unknown[];
        }) as [unknown[], unknown[], unknown[]];
        const fresh = refs.filter((_, i) => pending[i] === 0 && processed[i] === null && failed[i] === null);
        await tokens.addBulk(
          fresh.map((ref) => ({
            name: 'token',
            data: { runKey: head.runKey, evaluatedAt, ref },
            opts: {
              jobId: tokenJobId(head.runKey, ref),
              parent,
              attempts: 3,
              backoff: { type: 'exponential', delay: 1_000 },
              ignoreDependencyOnFailure: true,
              ...KEEP,
            },
          })),
        );
        added += fresh.length;
        await progress.afterChunk?.(start + refs.length, allRefs.length);
      }
      return added;
    },

    /** Writes the run's accounts into its report job's data, then removes the gate: the report can start. */
    async closeRunFlow(runKey: string, learnt: RunFlowAccounts): Promise<void> {
      const report = (await runs.getJob(reportJobId(runKey))) as Job<JobCatalogue['report']> | undefined;
      if (report === undefined) {
        // Removed while the run was being fanned out (`obliterate`, a flushed Redis): the retry starts the run afresh.
        throw new StateConflictError(`the report job of ${runKey} is gone: it was removed while its run was being fanned out`);
      }
      await report.updateData({ ...report.data, accounts: learnt.accounts, ...(learnt.listed === undefined ? {} : { listed: learnt.listed }) });
      // Removing the gate releases the report job if every token job has already finished (or there were none).
      await gates.remove(gateJobId(runKey));
    },

    async addHeartbeat(replica: string, slot: number): Promise<void> {
      await runs.add('heartbeat', { replica }, { jobId: `hb-${replica}-${slot}`, removeOnComplete: true, removeOnFail: true });
    },

    async close(): Promise<void> {
      await Promise.allSettled([runs.close(), tokens.close(), gates.close(), flows.close()]);
    },
  };
}

export type AuditQueues = ReturnType<typeof createAuditQueues>;
