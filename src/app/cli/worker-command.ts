import type { Logger } from 'pino';
import { UsageError } from '../../core/errors.js';
import type { Config } from '../../config/config.js';
import type { Secrets } from '../../config/secrets.js';
import { checkWorkerSecrets } from '../../config/check-worker-secrets.js';
import { queueSettings } from '../../store/redis-connection.js';
import { startWorker } from '../worker/start-worker.js';
import { defaultRouteUsed, webhookEnvNames } from '../../alerts/slack/route-webhooks.js';

/**
 * JOB_LOCK_MS's bounds. BullMQ renews a lock and checks for stalled jobs on timers of this length: past
 * Node's 2^31-1 ms a timer fires at once, and 3,000,000,000 made an idle worker send 31,261 Redis commands
 * every 10 s. Ten minutes is already far longer than a killed worker's jobs should wait.
 */
export const MIN_JOB_LOCK_MS = 1000;
export const MAX_JOB_LOCK_MS = 600_000;

/**
 * REPORT_BACKOFF_MS's bounds: the first retry delay of a report job whose digest could not be delivered (or
 * whose outbox another replica was delivering), doubled on each of its 7 retries: the last waits 64 times it,
 * 38,400,000 ms at most, far inside a timer's 2^31-1 ms. Tests of worker processes shorten it, as the
 * in-process tests do, rather than wait 5 s for a retry.
 */
export const MIN_REPORT_BACKOFF_MS = 100;
export const MAX_REPORT_BACKOFF_MS = 600_000;

/** HEALTH_PORT, JOB_LOCK_MS and REPORT_BACKOFF_MS, validated (a usage error names the variable, never its value). */
export function workerEnvSettings(env: NodeJS.ProcessEnv): { port: number; lockMs: number; reportBackoffMs: number } {
  const port = Number(env.HEALTH_PORT || 8080);
  const lockMs = Number(env.JOB_LOCK_MS || 30_000);
  const reportBackoffMs = Number(env.REPORT_BACKOFF_MS || 5_000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError('HEALTH_PORT: expected a port number (0 to 65535)');
  }
  if (!Number.isInteger(lockMs) || lockMs < MIN_JOB_LOCK_MS || lockMs > MAX_JOB_LOCK_MS) {
    throw new UsageError(`JOB_LOCK_MS: expected whole milliseconds from ${MIN_JOB_LOCK_MS} to ${MAX_JOB_LOCK_MS}`);
  }
  if (!Number.isInteger(reportBackoffMs) || reportBackoffMs < MIN_REPORT_BACKOFF_MS || reportBackoffMs > MAX_REPORT_BACKOFF_MS) {
    throw new UsageError(`REPORT_BACKOFF_MS: expected whole milliseconds from ${MIN_REPORT_BACKOFF_MS} to ${MAX_REPORT_BACKOFF_MS}`);
  }
  return { port, lockMs, reportBackoffMs };
}

/** Runs until SIGTERM or SIGINT, then shuts down within the bound and exits 0. A second signal exits at once. */
export async function workerCommand(config: Config, io: { env: NodeJS.ProcessEnv; logger: Logger; secrets: Secrets }): Promise<number> {
  const { port, lockMs, reportBackoffMs } = workerEnvSettings(io.env);
  // Every key and webhook now, not at the next cron slot.
  checkWorkerSecrets(config, io.secrets, webhookEnvNames(config.notify.slack));
  if (!defaultRouteUsed(config.notify.slack)) {
    io.logger.info('every finding is routed: SLACK_WEBHOOK_URL is not used');
  }
  const worker = await startWorker({
    config,
    secrets: io.secrets,
    logger: io.logger,
    ...queueSettings(io.env),
    healthPort: port,
    lockDurationMs: lockMs,
    reportBackoffMs,
  });
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        io.logger.warn({ signal }, 'second signal: exiting now');
        process.exit(0);
      }
      stopping = true;
      io.logger.info({ signal }, 'shutting down');
      // Docker's default stop grace is 10 s: finish well within it. Requests still hanging after the close
      // would keep the process alive: exit explicitly; their jobs come back as stalled and are redone.
      void worker.close(8000).then(() => {
        resolve(0);
        process.exit(0);
      });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
