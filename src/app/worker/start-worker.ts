import { randomUUID } from 'node:crypto';
import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { AuditError } from '../../core/errors.js';
import type { Config } from '../../config/config.js';
import type { Secrets } from '../../config/secrets.js';
import { redact } from '../../core/redact.js';
import { createAlertStateStore } from '../../store/alert-state-store.js';
import { createRunCommitter } from '../../store/commit-run.js';
import { createOutboxStore } from '../../store/outbox-store.js';
import { createRunStore } from '../../store/run-store.js';
import { createSentinelStore } from '../../store/sentinel-store.js';
import { createRefusedKeyStore } from '../../store/refused-key-store.js';
import { createIssuerFactsStore } from '../../store/issuer-facts-store.js';
import { redactJobError } from './redact-job-error.js';
import { createGcoreApi, MAX_RETRY_AFTER_MS } from '../../gcore/create-gcore-api.js';
import { createRequestLimiter } from '../../gcore/request-limiter.js';
import { QUEUE_STATES, createMetrics } from '../health/metrics.js';
import { createHistoryStore } from '../../store/history-store.js';
import { scheduleGapMs } from '../../core/schedule-gap.js';
import { startHealthServer, type Verdict } from '../health/health-server.js';
import { boundedRead } from '../health/bounded-read.js';
import { within } from '../../core/within.js';
import { createAuditQueues } from '../../store/audit-queues.js';
import { RUNS_QUEUE, SCHEDULER_ID, SWEEP_SCHEDULER_ID, TOKENS_QUEUE, type JobCatalogue, type JobName } from '../../store/job-catalogue.js';
import { createRedisClient, probeKey, redisLabel, redisVariable, retryUntilRedisAnswers, warnUnlessNoEviction, type RedisNode } from '../../store/redis-connection.js';
import { describeRedisError } from '../../store/describe-redis-error.js';
import { createSlackNotifier, type SlackNotifierOptions } from '../../alerts/slack/slack-notifier.js';
import { routeWebhooks } from '../../alerts/slack/route-webhooks.js';
import { makeRunHandler } from '../../../jobs/run-job.js';
import { makeTokenHandler } from '../../../jobs/token-job.js';
import { loadDirectory } from '../../config/load-directory.js';
import { createRevocationStore } from '../../store/revocation-store.js';
import { createMuteStore, toMute } from '../../store/mute-store.js';
import { createActionStore } from '../../store/action-store.js';
import { deliverOutbox, makeReportHandler, type ReportJobDeps } from '../../../jobs/report-job.js';
import { makeSweepHandler } from '../../../jobs/sweep-job.js';
import { evidenceSigningKey, makeRunEvidence, type RunEvidenceOptions } from '../../run/run-evidence.js';
import { packageVersion } from '../cli/package-version.js';
import { signManifest } from '../../run/write-evidence.js';
import { jsonChunks } from '../report/json-chunks.js';
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

class OutboxBusyError extends AuditError {
  readonly code = 'OUTBOX_BUSY';
}

/** The long-lived worker: the composition root of queues, processors, alert state, health and metrics. */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { config, secrets, logger } = options;
  const clock = options.clock ?? (() => new Date());
  const replica = randomUUID().slice(0, 8);
  const log = logger.child({ replica });

  // Each route's webhook (and SLACK_WEBHOOK_URL's, unless every finding is routed), read and checked now.
  const webhooks = routeWebhooks(config.notify.slack, secrets, 'the worker posts to Slack');
  // Each replica reads the company directory itself: its contents are never put in Redis.
  const directory = await loadDirectory(config.issuers?.directory ?? null, { secrets });
  if (directory.problem !== null) {
    log.warn(directory.problem);
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

  const states = createAlertStateStore(redis, options.prefix);
  const runs = createRunStore(redis, options.prefix);
  const outbox = createOutboxStore(redis, options.prefix);
  const committer = createRunCommitter(redis, options.prefix);
  const sentinelStore = createSentinelStore(redis, options.prefix);
  const revocations = createRevocationStore(redis, options.prefix);
  const mutes = createMuteStore(redis, options.prefix);
  const refusedKeys = createRefusedKeyStore(redis, options.prefix);
  const history = createHistoryStore(redis, options.prefix);
  const issuers = createIssuerFactsStore(redis, options.prefix);
  const redactText = (text: string) => redact(text, secrets.known());
  // Aborted first thing on close(): a delivery in progress stops and releases its outbox claim.
  const stopping = new AbortController();
  // The queues exist once Redis has answered; until then /metrics shows no queue counts.
  let started: ReturnType<typeof createAuditQueues> | null = null;
  const startedAt = clock().getTime();
  const metrics = createMetrics({
    openCounts: () => states.openCounts(),
    lastSuccess: () => runs.lastSuccess(),
    gapKeys: () => states.gapKeys(),
    queueCounts: async () =>
      started === null
        ? {}
        : Object.fromEntries(await Promise.all([started.runs, started.tokens].map(async (q) => [q.name, await q.getJobCounts(...QUEUE_STATES)] as const))),
    staleAfterMs: () => 2 * scheduleGapMs(config.schedule.cron, config.schedule.timezone, clock()),
    startedAt,
    now: () => clock().getTime(),
    slackRoutes: [...webhooks.keys()],
    failingRoutes: async () => (await outbox.failingRoutes()).map((f) => f.route).filter((route) => webhooks.has(route)),
    oldestOpen: () => history.oldestOpen(),
    revocationCounts: () => revocations.counts(),
  });

  // /healthz is served from the start: while Redis cannot be reached it answers 503 with why (an
  // orchestrator then shows the reason instead of a connection refused), and a taken HEALTH_PORT fails now.
  const where = `${redisLabel(redisSettings)} (${redisVariable(redisSettings)})`;
  let verdict: () => Promise<{ ok: boolean; reason?: string; details?: Record<string, unknown> }> = () =>
    Promise.resolve({ ok: false, reason: `waiting for Redis: ${where}: ${lastRedisError || 'no answer yet'}` });
  // /readyz says the same until Redis answers; then it asks for the schedulers too (below). /livez never waits.
  let readiness: () => Promise<Verdict> = () => verdict();
  const health = await startHealthServer({ port: options.healthPort, registry: metrics.registry, healthy: () => verdict(), ready: () => readiness() });
  try {
    await retryUntilRedisAnswers(redis, redisSettings, log);
  } catch (error) {
    await health.close();
    redis.disconnect();
    throw error;
  }
  await warnUnlessNoEviction(redis, log);
  const queues = createAuditQueues(redis, options.prefix, {
    reportBackoffMs: options.reportBackoffMs,
    onError: (err) => log.warn({ err }, 'queue error'),
  });
  started = queues;

  const maxRetryAfterMs = options.gcoreMaxRetryAfterMs ?? MAX_RETRY_AFTER_MS;
  // Set while the token queue is paused for a Retry-After Gcore asked to be longer than we wait: /healthz says so.
  const longPauseKey = `${options.prefix}:gcore:long-pause`;
  // One client and one retry policy for listing and getting. Listing retries 429 in the client; the token
  // queue pauses as a whole instead (below). concurrencyPerWorker and ratePerSecond bound both here; BullMQ's
  // limiter bounds token jobs across replicas.
  const api = createGcoreApi({
    ...config.gcore,
    limiter: createRequestLimiter({
      concurrency: config.gcore.concurrencyPerWorker,
      ratePerSecond: config.gcore.ratePerSecond ?? undefined,
    }),
    maxRetryAfterMs,
    retryRateLimitedGets: false,
    retryBaseDelayMs: options.gcoreRetryBaseDelayMs,
    onResponse: (status, ms) => {
      metrics.gcoreRequests.inc({ status: String(status) });
      metrics.gcoreLatency.observe(ms / 1000);
    },
  });
  const notifiers = new Map(
    [...webhooks].map(([route, webhookUrl]) => [
      route,
      createSlackNotifier({ webhookUrl, onAttempt: (outcome) => metrics.slackDeliveries.inc({ outcome }), ...options.slack }),
    ]),
  );

  await queues.declareSchedule(config.schedule);
  await queues.declareSweeps(config.sentinel);
  await queues.limitTokens(config.gcore.concurrency);

  const onRun = makeRunHandler({
    config,
    api,
    secrets,
    queues,
    states,
    clock,
    logger: log,
    redact: redactText,
    onStarted: () => metrics.runsStarted.inc(),
    seen: (clientId) => sentinelStore.seen(clientId),
    issuers,
  });
  const reportDeps: ReportJobDeps = {
    config,
    directory,
    states,
    mutes,
    revocations,
    acks: createActionStore(redis, options.prefix),
    runs,
    outbox,
    committer,
    notifiers,
    clock,
    logger: log,
    redact: redactText,
    signal: stopping.signal,
    outboxClaimMs: options.outboxClaimMs,
    busy: () => new OutboxBusyError('another replica is delivering the outbox'),
    permanent: (error) => new UnrecoverableError(error.message),
    onCommitted: () => metrics.runsCompleted.inc(),
    onSlackFailure: (kind) => metrics.slackFailures.inc({ kind }),
    onDeadLetter: (route) => metrics.slackDeadLetters.inc({ route }),
    evidence: workerEvidence(config, secrets, { clock, logger: log, onFailure: () => metrics.evidenceFailures.inc() }),
  };
  const onReport = makeReportHandler(reportDeps);
  // Sweeps apply the mutes a run applies: the configuration's and those added at run time.
  const mutesInForce = async () => [...config.mutes, ...(await mutes.list()).map((m) => toMute(m, config.muteMaxDays))];
  const sentinel = config.sentinel;
  const onSweep =
    sentinel === null
      ? null
      : makeSweepHandler({
          config,
          sentinel,
          api,
          secrets,
          states,
          store: sentinelStore,
          mutes: mutesInForce,
          clock,
          logger: log,
          learntIds: new Map(),
          issuers: () => issuers.latest(),
          directory,
          delivery: {
            runs,
            outbox,
            notifiers,
            redact: redactText,
            signal: stopping.signal,
            outboxClaimMs: options.outboxClaimMs,
            busy: () => new OutboxBusyError('another replica is delivering the outbox'),
            permanent: (error) => new UnrecoverableError(error.message),
            onSlackFailure: (kind) => metrics.slackFailures.inc({ kind }),
            onDeadLetter: (route) => metrics.slackDeadLetters.inc({ route }),
          },
          onSweep: (outcome) => metrics.sentinelSweeps.inc({ outcome }),
          onDetected: (seconds) => metrics.sentinelDetection.observe(seconds),
        });
  let lastHeartbeat = Date.now();
  const connection = redis as ConnectionOptions;
  const lockDuration = options.lockDurationMs ?? 30_000;

  // One handler per job name of the runs queue; the type makes a missing one a compile error.
  const runsHandlers: Record<Exclude<JobName, 'token'>, (job: Job) => Promise<unknown>> = {
    run: (job) => onRun(job),
    report: (job) => onReport(job),
    // A sweep left in the queue by a worker whose configuration has since turned the sentinel off does nothing.
    sweep: (job) => (onSweep === null ? Promise.resolve(null) : onSweep(job)),
    // `deliveries resend`: the outboxes delivered now, as a report job delivers them after its commit.
    deliver: async () => {
      await deliverOutbox(reportDeps, log.child({ job: 'deliver' }));
      return null;
    },
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
      return handler(job).catch((error: unknown) => {
        throw redactJobError(error, redactText);
      });
    },
    { connection, prefix: options.prefix, concurrency: 4, lockDuration, stalledInterval: lockDuration },
  );

  const tokensQueue = queues.tokens;
  const onToken = makeTokenHandler({
    api,
    secrets,
    policy: config.policy,
    directory,
    rows: Boolean(config.evidence),
    maxStarts: 50,
    maxRetryAfterMs,
    rateLimited: async (ms) => {
      log.warn({ ms }, 'Gcore rate limit: pausing the token queue');
      await tokensQueue.rateLimit(ms);
      throw Worker.RateLimitError();
    },
    longPause: async (askedMs) => {
      log.warn({ askedMs, pauseMs: maxRetryAfterMs }, 'Gcore asked for a pause longer than we wait: pausing the token queue for the cap; the token is audit-failed for this run');
      await redis.set(longPauseKey, String(Math.round(askedMs / 1000)), 'PX', maxRetryAfterMs);
      await tokensQueue.rateLimit(maxRetryAfterMs);
    },
    onResult: (r) => metrics.tokensAudited.inc({ status: r.status }),
    refusedKeys: (runKey) => refusedKeys.forRun(runKey),
    issuers: (runKey) => issuers.forRun(runKey),
  });
  const tokensWorker = new Worker<JobCatalogue['token']>(
    TOKENS_QUEUE,
    async (job) => onToken(job).catch((error: unknown) => {
      throw redactJobError(error, redactText);
    }),
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

  // A key in the prefix's slot (under a cluster the node that owns it must answer, not just any node), and
  // Gcore's long pause, if any. One probe in flight at most: while Redis is away the client queues commands,
  // and a probe per request would pile up.
  const probeRedis = boundedRead(async () => {
    await redis.exists(probeKey(options.prefix));
    return redis.get(longPauseKey);
  }, 900);
  // /readyz: Redis answers (the prefix's slot, as above) and holds the job schedulers this configuration
  // declares. A Redis that lost its data (no persistence, a failover to an empty replica) answers but holds
  // no schedule, and no run would ever start: that replica is not ready, and says why.
  const schedulerIds = sentinel === null ? [SCHEDULER_ID] : [SCHEDULER_ID, SWEEP_SCHEDULER_ID];
  const probeSchedulers = boundedRead(async () => {
    await redis.exists(probeKey(options.prefix));
    const declared = await Promise.all(schedulerIds.map((id) => queues.runs.getJobScheduler(id)));
    return schedulerIds.filter((_, i) => declared[i] === undefined);
  }, 900);
  readiness = async (): Promise<Verdict> => {
    const probed = await probeSchedulers();
    if (!probed.fresh || probed.value === undefined) {
      return { ok: false, reason: 'Redis does not answer' };
    }
    if (redis.status !== 'ready') {
      return { ok: false, reason: `Redis connection ${redis.status}` };
    }
    if (!runsWorker.isRunning() || !tokensWorker.isRunning()) {
      return { ok: false, reason: 'worker stopped' };
    }
    if (probed.value.length > 0) {
      return { ok: false, reason: `job scheduler not declared in Redis: ${probed.value.join(', ')} (did Redis lose its data? restarting a worker declares it)` };
    }
    return { ok: true };
  };
  // Redis just answered the probe: this read is quick, and bounded so the check stays within its second.
  const readFailingRoutes = boundedRead(async () => (await outbox.failingRoutes()).filter((f) => webhooks.has(f.route)), 90);
  verdict = async () => {
    const probed = await probeRedis();
    if (!probed.fresh) {
      return { ok: false, reason: 'Redis does not answer' };
    }
    if (redis.status !== 'ready') {
      return { ok: false, reason: `Redis connection ${redis.status}` };
    }
    if (!runsWorker.isRunning() || !tokensWorker.isRunning()) {
      return { ok: false, reason: 'worker stopped' };
    }
    const askedSeconds = probed.value ?? null;
    if (askedSeconds !== null) {
      return {
        ok: false,
        reason: `Gcore asked to pause for ${askedSeconds} s (Retry-After): the token queue is paused for ${Math.round(maxRetryAfterMs / 1000)} s`,
      };
    }
    if (Date.now() - lastHeartbeat > staleMs) {
      return { ok: false, reason: `no job taken for ${Math.round((Date.now() - lastHeartbeat) / 1000)} s` };
    }
    // A failing Slack route is said, not a failed check: restarting the worker would not fix a webhook.
    const failing = await readFailingRoutes();
    const details = failing.value?.length ? { slack: { failingRoutes: failing.value.map((f) => ({ route: f.route, attempts: f.attempts, since: f.since })) } } : undefined;
    return { ok: true, details: slackActions === null ? details : { ...details, slack: { ...details?.slack, ...slackActions.health() } } };
  };
  const slackActions = startSlackActions({ config, secrets, redis, prefix: options.prefix, logger: log, redact: redactText, api, clock, metrics, ...options.slackActions });
  log.info({ prefix: options.prefix, healthPort: health.port, cron: config.schedule.cron, timezone: config.schedule.timezone }, 'worker started');

  let closing: Promise<void> | null = null;
  return {
    healthPort: health.port,
    close(timeoutMs = 8000) {
      closing ??= (async () => {
        clearInterval(timer);
        stopping.abort();
        await slackActions?.close();
        // worker.close() waits for active jobs with no bound of its own, and even a forced close can wait
        // on a hung request: each step is bounded. Unfinished jobs return to the queue (stalled) and another
        // replica redoes them.
        const graceful = Math.max(timeoutMs - 3000, 1000);
        if (!(await within(Promise.all([runsWorker.close(), tokensWorker.close()]), graceful))) {
          log.warn('active jobs did not finish in time: closing anyway');
          await within(Promise.allSettled([runsWorker.close(true), tokensWorker.close(true)]), 2000);
        }
        // A job cut short by the forced close may still hold an outbox claim: another replica must not wait it out.
        await within(Promise.allSettled([queues.close(), health.close(), outbox.releaseAll()]), 1000);
        redis.disconnect();
        log.info('worker stopped');
      })();
      return closing;
    },
  };
}

/** The report job's evidence writer when evidence.dir is set; the signing key is read once, at start. */
function workerEvidence(config: Config, secrets: Secrets, io: Pick<RunEvidenceOptions, 'clock' | 'logger' | 'onFailure'>) {
  if (!config.evidence) {
    return undefined;
  }
  const signingKey = evidenceSigningKey(secrets);
  if (signingKey !== null) {
    signManifest('', signingKey); // a key that cannot sign stops the start, not every run's evidence
  }
  return makeRunEvidence({
    dir: config.evidence.dir,
    keep: config.evidence.keep,
    signingKey,
    policy: config.policy,
    version: packageVersion(),
    jsonPieces: jsonChunks,
    ...io,
  });
}
