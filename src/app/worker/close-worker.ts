import type { Logger } from 'pino';
import { within } from '../../core/within.js';
import type { AuditQueues } from '../../store/audit-queues.js';
import type { OutboxStore } from '../../store/outbox-store.js';
import type { RedisClient } from '../../store/redis-connection.js';
import type { JobWorkers } from './start-job-workers.js';

export interface WorkerParts {
  readonly workers: JobWorkers;
  readonly queues: Pick<AuditQueues, 'close'>;
  readonly health: { close(): Promise<void> };
  readonly outbox: Pick<OutboxStore, 'releaseAll'>;
  readonly redis: RedisClient;
  /** Stopped first: the heartbeat timer, and the abort of any delivery in progress. */
  readonly stopFirst: () => void;
  readonly logger: Logger;
}

/**
 * Stops taking jobs, lets active ones finish, closes Redis: each step bounded, since worker.close() waits for
 * active jobs with no bound of its own and even a forced close can wait on a hung request. Unfinished jobs
 * return to the queue (stalled) and another replica redoes them.
 */
export async function closeWorker(parts: WorkerParts, timeoutMs: number): Promise<void> {
  const { runs, tokens } = parts.workers;
  const log = parts.logger;
  parts.stopFirst();
  const graceful = Math.max(timeoutMs - 3000, 1000);
  if (!(await within(Promise.all([runs.close(), tokens.close()]), graceful))) {
    log.warn('active jobs did not finish in time: closing anyway');
    await within(Promise.allSettled([runs.close(true), tokens.close(true)]), 2000);
  }
  // A job cut short by the forced close may still hold an outbox claim: another replica must not wait it out.
  await within(Promise.allSettled([parts.queues.close(), parts.health.close(), parts.outbox.releaseAll()]), 1000);
  parts.redis.disconnect();
  log.info('worker stopped');
}
