import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import { RUNS_QUEUE, TOKENS_QUEUE, type JobCatalogue, type JobName } from '../../store/job-catalogue.js';
import type { RedisClient } from '../../store/redis-connection.js';
import { redactJobError } from './redact-job-error.js';
import type { RunsHandlers } from './runs-handlers.js';

export interface JobWorkers {
  readonly runs: Worker;
  readonly tokens: Worker;
}

export interface JobWorkerOptions {
  readonly redis: RedisClient;
  readonly prefix: string;
  readonly gcore: Pick<Config['gcore'], 'concurrencyPerWorker' | 'ratePerSecond'>;
  /** BullMQ lock; a killed worker's jobs come back after about this long. */
  readonly lockDurationMs: number;
  readonly runs: RunsHandlers;
  readonly token: (job: Job) => Promise<unknown>;
  /** A job's error made safe to store (BullMQ keeps its message and stack in Redis). */
  readonly redact: (text: string) => string;
  readonly logger: Logger;
}

/** The BullMQ workers of the runs queue (dispatched by job name) and of the token queue; they take jobs at once. */
export function startJobWorkers(options: JobWorkerOptions): JobWorkers {
  const { prefix, redact, logger: log } = options;
  const connection = options.redis as ConnectionOptions;
  const lockDuration = options.lockDurationMs;
  const handlers = options.runs;
  const runs = new Worker<JobCatalogue[JobName]>(
    RUNS_QUEUE,
    async (job: Job) => {
      const handler = handlers[job.name as keyof RunsHandlers] as ((job: Job) => Promise<unknown>) | undefined;
      if (!handler) {
        throw new UnrecoverableError(`no handler for job "${job.name}" in ${RUNS_QUEUE}`);
      }
      return handler(job).catch((error: unknown) => {
        throw redactJobError(error, redact);
      });
    },
    { connection, prefix, concurrency: 4, lockDuration, stalledInterval: lockDuration },
  );
  const tokens = new Worker<JobCatalogue['token']>(
    TOKENS_QUEUE,
    async (job) => options.token(job).catch((error: unknown) => {
      throw redactJobError(error, redact);
    }),
    {
      connection,
      prefix,
      concurrency: options.gcore.concurrencyPerWorker,
      lockDuration,
      stalledInterval: lockDuration,
      // The limiter holds across every replica; without ratePerSecond it is only there so a 429 can pause the queue.
      limiter: { max: options.gcore.ratePerSecond ?? 100_000, duration: 1000 },
    },
  );
  for (const w of [runs, tokens]) {
    w.on('error', (err) => log.warn({ err }, 'worker error'));
    w.on('failed', (job, err) => log.warn({ jobName: job?.name, jobId: job?.id, err }, 'job failed'));
  }
  return { runs, tokens };
}
