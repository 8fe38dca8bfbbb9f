import { randomUUID } from 'node:crypto';
import { FlowProducer, Queue, type ConnectionOptions } from 'bullmq';
import type { RedisClient } from './redis-connection.js';
import type { Config } from '../config/config.js';
import type { AccountResult } from '../core/report.js';
import type { TokenRef } from '../core/token-ref.js';
import {
  RUNS_QUEUE,
  SCHEDULER_ID,
  SWEEP_SCHEDULER_ID,
  TOKENS_QUEUE,
  reportJobId,
  runKeyOf,
  tokenJobId,
  type JobCatalogue,
  type RunTrigger,
} from './job-catalogue.js';

// Finished jobs are removed so Redis holds state, not history; some failures are kept for inspection.
const KEEP = { removeOnComplete: true, removeOnFail: { count: 500 } } as const;

/** The queues and everything that adds to them. BullMQ is imported here and in src/app/worker/ only. */
export function createAuditQueues(
  connection: RedisClient,
  prefix: string,
  options: { reportBackoffMs?: number; onError?: (error: Error) => void } = {},
) {
  const opts = { connection: connection as ConnectionOptions, prefix };
  // BullMQ keeps an events stream per queue (10,000 entries by default, each completed token job's with its
  // findings): nothing of ours reads it, so it is kept short and Redis holds state, not history.
  const runs = new Queue<JobCatalogue[keyof JobCatalogue]>(RUNS_QUEUE, { ...opts, streams: { events: { maxLen: 1000 } } });
  const tokens = new Queue<JobCatalogue['token']>(TOKENS_QUEUE, { ...opts, streams: { events: { maxLen: 100 } } });
  const flows = new FlowProducer(opts);
  // Without a listener BullMQ prints every connection error as a raw stack trace on stderr.
  const onError = options.onError ?? (() => undefined);
  runs.on('error', onError);
  tokens.on('error', onError);
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

    async reportExists(runKey: string): Promise<boolean> {
      return (await runs.getJob(reportJobId(runKey))) !== undefined;
    },

    /**
     * The run as one atomic flow: a report job waiting on one token job per token. A token job that fails
     * for good does not block the report (ignoreDependencyOnFailure): the report counts it as audit-failed.
     */
    async addRunFlow(run: { runKey: string; trigger: RunTrigger; startedAt: Date; evaluatedAt: Date; accounts: AccountResult[]; refs: TokenRef[]; listed?: number[] }): Promise<void> {
      const evaluatedAt = run.evaluatedAt.toISOString();
      await flows.add({
        name: 'report',
        queueName: RUNS_QUEUE,
        data: {
          runKey: run.runKey,
          trigger: run.trigger,
          startedAt: run.startedAt.toISOString(),
          evaluatedAt,
          accounts: run.accounts,
          ...(run.listed === undefined ? {} : { listed: run.listed }),
        },
        opts: {
          jobId: reportJobId(run.runKey),
          attempts: 8,
          backoff: { type: 'exponential', delay: options.reportBackoffMs ?? 5_000 },
          ...KEEP,
        },
        children: run.refs.map((ref) => ({
          name: 'token',
          queueName: TOKENS_QUEUE,
          data: { runKey: run.runKey, evaluatedAt, ref },
          opts: {
            jobId: tokenJobId(run.runKey, ref),
            attempts: 3,
            backoff: { type: 'exponential', delay: 1_000 },
            ignoreDependencyOnFailure: true,
            ...KEEP,
          },
        })),
      });
    },

    async addHeartbeat(replica: string, slot: number): Promise<void> {
      await runs.add('heartbeat', { replica }, { jobId: `hb-${replica}-${slot}`, removeOnComplete: true, removeOnFail: true });
    },

    async close(): Promise<void> {
      await Promise.allSettled([runs.close(), tokens.close(), flows.close()]);
    },
  };
}

export type AuditQueues = ReturnType<typeof createAuditQueues>;
