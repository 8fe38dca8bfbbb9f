import { randomUUID } from 'node:crypto';
import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { AuditError, SecretError, UsageError } from '../core/errors.js';
import type { Config } from '../config/config.js';
import type { Secrets } from '../config/secrets.js';
import { createAlertStore } from '../alerts/alert-store.js';
import { createGcoreApi } from '../gcore/create-gcore-api.js';
import { createRequestLimiter } from '../gcore/request-limiter.js';
import { createMetrics } from '../health/metrics.js';
import { scheduleGapMs } from '../core/schedule-gap.js';
import { startHealthServer } from '../health/health-server.js';
import { within } from '../core/within.js';
import { createAuditQueues } from '../queue/audit-queues.js';
import { RUNS_QUEUE, TOKENS_QUEUE, type JobCatalogue, type JobName } from '../queue/job-catalogue.js';
import { createRedisClient, probeKey, retryUntilRedisAnswers, warnUnlessNoEviction, type RedisNode } from '../queue/redis-connection.js';
import { describeRedisError } from '../queue/describe-redis-error.js';
import { createSlackNotifier, type SlackNotifierOptions } from '../slack/slack-notifier.js';
import { makeRunHandler } from '../../jobs/run-job.js';
import { makeTokenHandler } from '../../jobs/token-job.js';
import { makeReportHandler } from '../../jobs/report-job.js';

export interface WorkerOptions {
  readonly config: Config;
  readonly secrets: Secrets;
  readonly logger: Logger;
  readonly redisUrl: string;
  /** Any nodes of a Redis Cluster (REDIS_CLUSTER_NODES); none: one Redis at redisUrl. */
  readonly clusterNodes?: readonly RedisNode[];
  /** A CA to trust for rediss:// (REDIS_TLS_CA_FILE's contents). */
  readonly tlsCa?: string;
  readonly prefix: string;
  /** 0: any free port (tests). */
  readonly healthPort: number;
  readonly clock?: () => Date;
  /** How often each replica proves its loop alive, and after how long without proof /healthz says 503. */
  readonly heartbeatMs?: number;
  readonly heartbeatStaleMs?: number;
  /** BullMQ lock; a killed worker's jobs come back after about this long. */
  readonly lockDurationMs?: number;
  readonly slack?: Partial<SlackNotifierOptions>;
  readonly gcoreRetryBaseDelayMs?: number;
  /** First retry delay of a report job whose digest could not be delivered (doubles per attempt). */
  readonly reportBackoffMs?: number;
}

export interface RunningWorker {
  readonly healthPort: number;
  /** Stops taking jobs, lets active ones finish (bounded), closes Redis. */
  close(timeoutMs?: number): Promise<void>;
}

class OutboxBusyError extends AuditError {
  readonly code = 'OUTBOX_BUSY';
}

/** The long-lived worker: the composition root of queues, processors, alert state, health and metrics. */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { config, secrets, logger } = options;
  const clock = options.clock ?? (() => new Date());
  const replica = randomUUID().slice(0, 8);
  const log = logger.child({ replica });

  let webhookUrl: string;
  try {
    webhookUrl = secrets.get('SLACK_WEBHOOK_URL');
  } catch (error) {
    if (error instanceof SecretError) {
      throw new UsageError(`the worker posts to Slack: ${error.message}`);
    }
    throw error;
  }

  const redisSettings = { redisUrl: options.redisUrl, clusterNodes: options.clusterNodes ?? [], prefix: options.prefix, tlsCa: options.tlsCa };
  const redis = createRedisClient(redisSettings);
  let lastRedisError = '';
  redis.on('error', (err) => {
    // One line per distinct problem, not one per reconnection attempt.
    const line = describeRedisError(err, options.redisUrl);
    if (line !== lastRedisError) {
      lastRedisError = line;
      log.warn(`Redis connection error: ${line}`);
    }
  });
  redis.on('ready', () => (lastRedisError = ''));
  await retryUntilRedisAnswers(redis, redisSettings, log);
  await warnUnlessNoEviction(redis, log);

  const store = createAlertStore(redis, options.prefix);
  const queues = createAuditQueues(redis, options.prefix, {
    reportBackoffMs: options.reportBackoffMs,
    onError: (err) => log.warn({ err }, 'queue error'),
  });
  const startedAt = clock().getTime();
  const metrics = createMetrics({
    openCounts: () => store.openCounts(),
    lastSuccess: () => store.lastSuccess(),
    gapKeys: () => store.gapKeys(),
    staleAfterMs: () => 2 * scheduleGapMs(config.schedule.cron, config.schedule.timezone, clock()),
    startedAt,
    now: () => clock().getTime(),
  });

  const api = createGcoreApi({
    ...config.gcore,
    limiter: createRequestLimiter({ concurrency: config.gcore.concurrencyPerWorker }),
    retryRateLimited: false,
    retryBaseDelayMs: options.gcoreRetryBaseDelayMs,
    onResponse: (status, ms) => {
      metrics.gcoreRequests.inc({ status: String(status) });
      metrics.gcoreLatency.observe(ms / 1000);
    },
  });
  const notifier = createSlackNotifier({
    webhookUrl,
    onAttempt: (outcome) => metrics.slackDeliveries.inc({ outcome }),
    ...options.slack,
  });

  await queues.declareSchedule(config.schedule);
  await queues.limitTokens(config.gcore.concurrency);

  const onRun = makeRunHandler({ config, api, secrets, queues, clock, logger: log, onStarted: () => metrics.runsStarted.inc() });
  const onReport = makeReportHandler({
    config,
    store,
    notifier,
    clock,
    logger: log,
    busy: () => new OutboxBusyError('another replica is delivering the outbox'),
    permanent: (error) => new UnrecoverableError(error.message),
    onCommitted: () => metrics.runsCompleted.inc(),
    onSlackFailure: (kind) => metrics.slackFailures.inc({ kind }),
  });
  let lastHeartbeat = Date.now();
  const connection = redis as ConnectionOptions;
  const lockDuration = options.lockDurationMs ?? 30_000;

  // One handler per job name of the runs queue; the type makes a missing one a compile error.
  const runsHandlers: Record<Exclude<JobName, 'token'>, (job: Job) => Promise<unknown>> = {
    run: (job) => onRun(job),
    report: (job) => onReport(job),
    heartbeat: () => {
      lastHeartbeat = Date.now();
      return Promise.resolve(null);
    },
  };
  const runsWorker = new Worker<JobCatalogue[JobName]>(
    RUNS_QUEUE,
    async (job: Job) => {
      const handler = runsHandlers[job.name as keyof typeof runsHandlers] as ((job: Job) => Promise<unknown>) | undefined;
      if (!handler) {
        throw new UnrecoverableError(`no handler for job "${job.name}" in ${RUNS_QUEUE}`);
      }
      return handler(job);
    },
    { connection, prefix: options.prefix, concurrency: 4, lockDuration, stalledInterval: lockDuration },
  );

  const tokensQueue = queues.tokens;
  const onToken = makeTokenHandler({
    api,
    secrets,
    policy: config.policy,
    maxStarts: 50,
    rateLimited: async (ms) => {
      log.warn({ ms }, 'Gcore rate limit: pausing the token queue');
      await tokensQueue.rateLimit(ms);
      throw Worker.RateLimitError();
    },
    onResult: (r) => metrics.tokensAudited.inc({ status: r.status }),
  });
  const tokensWorker = new Worker<JobCatalogue['token']>(
    TOKENS_QUEUE,
    async (job) => onToken(job),
    {
      connection,
      prefix: options.prefix,
      concurrency: config.gcore.concurrencyPerWorker,
      lockDuration,
      stalledInterval: lockDuration,
      // The limiter holds across every replica; without ratePerSecond it is only there so a 429 can pause the queue.
      limiter: { max: config.gcore.ratePerSecond ?? 100_000, duration: 1000 },
    },
  );
  for (const w of [runsWorker, tokensWorker]) {
    w.on('error', (err) => log.warn({ err }, 'worker error'));
    w.on('failed', (job, err) => log.warn({ jobName: job?.name, jobId: job?.id, err }, 'job failed'));
  }

  // Liveness by progress, not by the process being up: BullMQ workers have been seen to stop taking jobs
  // after a Redis reconnect while reporting themselves running. Each replica enqueues a heartbeat; any
  // replica's runs worker takes it, so a replica that has taken none for a while is stuck.
  const heartbeatMs = options.heartbeatMs ?? 10_000;
  const staleMs = options.heartbeatStaleMs ?? 60_000;
  const beat = () => void queues.addHeartbeat(replica, Math.floor(Date.now() / heartbeatMs)).catch(() => undefined);
  beat();
  const timer = setInterval(beat, heartbeatMs);

  const health = await startHealthServer({
    port: options.healthPort,
    registry: metrics.registry,
    healthy: async () => {
      try {
        // A key in the prefix's slot: under a cluster, the node that owns it must answer, not just any node.
        await redis.exists(probeKey(options.prefix));
      } catch {
        return { ok: false, reason: 'Redis does not answer' };
      }
      if (redis.status !== 'ready') {
        return { ok: false, reason: `Redis connection ${redis.status}` };
      }
      if (!runsWorker.isRunning() || !tokensWorker.isRunning()) {
        return { ok: false, reason: 'worker stopped' };
      }
      if (Date.now() - lastHeartbeat > staleMs) {
        return { ok: false, reason: `no job taken for ${Math.round((Date.now() - lastHeartbeat) / 1000)} s` };
      }
      return { ok: true };
    },
  });
  log.info({ prefix: options.prefix, healthPort: health.port, cron: config.schedule.cron, timezone: config.schedule.timezone }, 'worker started');

  let closing: Promise<void> | null = null;
  return {
    healthPort: health.port,
    close(timeoutMs = 8000) {
      closing ??= (async () => {
        clearInterval(timer);
        // worker.close() waits for active jobs with no bound of its own, and even a forced close can wait
        // on a hung request: each step is bounded. Unfinished jobs return to the queue (stalled) and another
        // replica redoes them.
        const graceful = Math.max(timeoutMs - 3000, 1000);
        if (!(await within(Promise.all([runsWorker.close(), tokensWorker.close()]), graceful))) {
          log.warn('active jobs did not finish in time: closing anyway');
          await within(Promise.allSettled([runsWorker.close(true), tokensWorker.close(true)]), 2000);
        }
        await within(Promise.allSettled([queues.close(), health.close()]), 1000);
        redis.disconnect();
        log.info('worker stopped');
      })();
      return closing;
    },
  };
}
