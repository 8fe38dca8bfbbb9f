import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { SlackNotifierOptions } from '../../alerts/slack/slack-notifier.js';
import { routeWebhooks } from '../../alerts/slack/route-webhooks.js';
import type { Config } from '../../config/config.js';
import { loadDirectory } from '../../config/load-directory.js';
import type { Secrets } from '../../config/secrets.js';
import { redact } from '../../core/redact.js';
import { MAX_RETRY_AFTER_MS } from '../../gcore/create-gcore-api.js';
import { createAuditQueues, type AuditQueues } from '../../store/audit-queues.js';
import type { RedisNode } from '../../store/redis-connection.js';
import { closeWorker } from './close-worker.js';
import { declareSchedulers } from './declare-schedulers.js';
import { createHeartbeat } from './heartbeat.js';
import { makeRunsHandlers } from './runs-handlers.js';
import { createSlackNotifiers } from './slack-notifiers.js';
import { startJobWorkers } from './start-job-workers.js';
import { makeTokensHandler } from './tokens-handler.js';
import { createWorkerChecks } from './worker-checks.js';
import { createWorkerDelivery } from './worker-delivery.js';
import { createWorkerGcoreApi } from './worker-gcore-api.js';
import { startWorkerHealth } from './worker-health.js';
import { createWorkerMetrics } from './worker-metrics.js';
import { connectWorkerRedis, untilRedisAnswers } from './worker-redis.js';
import { createWorkerStores } from './worker-stores.js';
import { startSlackActions, type SlackActionsOptions } from './start-slack-actions.js';

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
  /** Longest Gcore Retry-After waited out (default 60 s): a longer one pauses the token queue this long, no longer. */
  readonly gcoreMaxRetryAfterMs?: number;
  /** First retry delay of a report job whose digest could not be delivered (doubles per attempt). */
  readonly reportBackoffMs?: number;
  /** Life of an outbox claim, renewed while its holder delivers (tests shorten it). */
  readonly outboxClaimMs?: number;
  /** Acting from Slack (with both app tokens): Slack's address and the lease's timings, for tests. */
  readonly slackActions?: SlackActionsOptions;
}

export interface RunningWorker {
  readonly healthPort: number;
  /** Stops taking jobs, lets active ones finish (bounded), closes Redis. */
  close(timeoutMs?: number): Promise<void>;
}

/**
 * The long-lived worker: the composition root of queues, processors, alert state, health and metrics. Each
 * part is built by a function of its own in this folder; this one says in what order they start.
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { config, secrets, prefix } = options;
  const clock = options.clock ?? (() => new Date());
  const replica = randomUUID().slice(0, 8);
  const log = options.logger.child({ replica });
  const redactText = (text: string) => redact(text, secrets.known());
  // Each route's webhook (and SLACK_WEBHOOK_URL's, unless every finding is routed), read and checked now.
  const webhooks = routeWebhooks(config.notify.slack, secrets, 'the worker posts to Slack');
  // Each replica reads the company directory itself: its contents are never put in Redis.
  // A file is looked at most once a second, not once per token: a change is seen within about a second.
  const directory = await loadDirectory(config.issuers?.directory ?? null, { secrets, fileCheckMs: 1000 });
  if (directory.problem !== null) {
    log.warn(directory.problem);
  }

  const redisSettings = { redisUrl: options.redisUrl, clusterNodes: options.clusterNodes ?? [], prefix, tlsCa: options.tlsCa };
  const { redis, waiting } = connectWorkerRedis(redisSettings, log);
  const stores = createWorkerStores(redis, prefix);
  let started: AuditQueues | null = null;
  const metrics = createWorkerMetrics({ config, stores, webhooks, clock, queues: () => started });
  const health = await startWorkerHealth({ port: options.healthPort, registry: metrics.registry, waiting });
  await untilRedisAnswers(redis, redisSettings, log, health);
  const queues = createAuditQueues(redis, prefix, { reportBackoffMs: options.reportBackoffMs, onError: (err) => log.warn({ err }, 'queue error') });
  started = queues;

  const maxRetryAfterMs = options.gcoreMaxRetryAfterMs ?? MAX_RETRY_AFTER_MS;
  const api = createWorkerGcoreApi(config, metrics, { maxRetryAfterMs, retryBaseDelayMs: options.gcoreRetryBaseDelayMs });
  const notifiers = createSlackNotifiers(webhooks, metrics, options.slack);
  const schedulerIds = await declareSchedulers(queues, config);
  await queues.limitTokens(config.gcore.concurrency);

  // Aborted first thing on close(): a delivery in progress stops and releases its outbox claim.
  const stopping = new AbortController();
  const delivery = createWorkerDelivery({ stores, notifiers, metrics, redact: redactText, signal: stopping.signal, outboxClaimMs: options.outboxClaimMs });
  const heartbeat = createHeartbeat(queues, replica, options.heartbeatMs ?? 10_000);
  const parts = { config, secrets, directory, api, queues, stores, metrics, logger: log };
  const workers = startJobWorkers({
    redis,
    prefix,
    gcore: config.gcore,
    lockDurationMs: options.lockDurationMs ?? 30_000,
    redact: redactText,
    logger: log,
    runs: makeRunsHandlers({ ...parts, notifiers, delivery, clock, redact: redactText, onHeartbeat: heartbeat.taken, gcoreRetryBaseDelayMs: options.gcoreRetryBaseDelayMs }),
    token: makeTokensHandler({ ...parts, redis, prefix, maxRetryAfterMs }),
  });
  heartbeat.start();
  // Acting from Slack (both app tokens set): the Socket Mode listener, once the job workers run.
  const slackActions = startSlackActions({ config, secrets, redis, prefix, logger: log, redact: redactText, api, clock, metrics, ...options.slackActions });
  const heartbeatStaleMs = options.heartbeatStaleMs ?? 60_000;
  const slackSocket = slackActions === null ? undefined : () => slackActions.health();
  health.watch(createWorkerChecks({ redis, prefix, queues, schedulerIds, workers, outbox: stores.outbox, webhooks, heartbeat, heartbeatStaleMs, maxRetryAfterMs, slackSocket }));
  log.info({ prefix, healthPort: health.port, cron: config.schedule.cron, timezone: config.schedule.timezone }, 'worker started');

  const stopFirst = () => {
    heartbeat.stop();
    stopping.abort();
  };
  let closing: Promise<void> | null = null;
  return {
    healthPort: health.port,
    // The socket first (bounded, about 2 s): a click then goes to the replica that takes the lease over.
    close: (timeoutMs = 8000) =>
      (closing ??= (async () => {
        await slackActions?.close();
        await closeWorker({ workers, queues, health, outbox: stores.outbox, redis, stopFirst, logger: log }, timeoutMs);
      })()),
  };
}
