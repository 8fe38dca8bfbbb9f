import type { AuditQueues } from '../../store/audit-queues.js';
import type { OutboxStore } from '../../store/outbox-store.js';
import { probeKey, type RedisClient } from '../../store/redis-connection.js';
import { boundedRead } from '../health/bounded-read.js';
import type { Verdict } from '../health/health-server.js';
import type { Heartbeat } from './heartbeat.js';
import type { JobWorkers } from './start-job-workers.js';
import { longPauseKey } from './tokens-handler.js';
import type { WorkerChecks } from './worker-health.js';

export interface WorkerCheckOptions {
  readonly redis: RedisClient;
  readonly prefix: string;
  readonly queues: Pick<AuditQueues, 'runs'>;
  /** The job schedulers this configuration declares (declareSchedulers). */
  readonly schedulerIds: readonly string[];
  /** The BullMQ workers of this replica: one stopped, and the replica is neither healthy nor ready. */
  readonly workers: JobWorkers;
  readonly outbox: Pick<OutboxStore, 'failingRoutes'>;
  readonly webhooks: ReadonlyMap<string, string>;
  /** This replica's heartbeat, and after how long without one taken its loop is stuck. */
  readonly heartbeat: Pick<Heartbeat, 'sinceMs'>;
  readonly heartbeatStaleMs: number;
  /** Longest Retry-After waited out: a longer one pauses the token queue this long (makeTokensHandler). */
  readonly maxRetryAfterMs: number;
  /** Acting from Slack (both app tokens set): this replica's socket, shown under `slack` (never a failed check). */
  readonly slackSocket?: () => { socket: string; problem?: string };
}

/** /healthz and /readyz of a started worker. */
export function createWorkerChecks(options: WorkerCheckOptions): WorkerChecks {
  const { redis, prefix } = options;
  // A key in the prefix's slot (under a cluster the node that owns it must answer, not just any node), and
  // Gcore's long pause, if any. One probe in flight at most: while Redis is away the client queues commands,
  // and a probe per request would pile up.
  const probeRedis = boundedRead(async () => {
    await redis.exists(probeKey(prefix));
    return redis.get(longPauseKey(prefix));
  }, 900);
  // /readyz: Redis answers (the prefix's slot, as above) and holds the job schedulers this configuration
  // declares. A Redis that lost its data (no persistence, a failover to an empty replica) answers but holds
  // no schedule, and no run would ever start: that replica is not ready, and says why.
  const probeSchedulers = boundedRead(async () => {
    await redis.exists(probeKey(prefix));
    const declared = await Promise.all(options.schedulerIds.map((id) => options.queues.runs.getJobScheduler(id)));
    return options.schedulerIds.filter((_, i) => declared[i] === undefined);
  }, 900);
  // Redis just answered the probe: this read is quick, and bounded so the check stays within its second.
  const readFailingRoutes = boundedRead(async () => (await options.outbox.failingRoutes()).filter((f) => options.webhooks.has(f.route)), 90);

  /** What both probes refuse: Redis not answering in time, or not ready, or a worker stopped. */
  const unable = (answered: boolean): Verdict | null => {
    if (!answered) {
      return { ok: false, reason: 'Redis does not answer' };
    }
    if (redis.status !== 'ready') {
      return { ok: false, reason: `Redis connection ${redis.status}` };
    }
    if (!options.workers.runs.isRunning() || !options.workers.tokens.isRunning()) {
      return { ok: false, reason: 'worker stopped' };
    }
    return null;
  };

  return {
    async ready() {
      const probed = await probeSchedulers();
      const refused = unable(probed.fresh && probed.value !== undefined);
      if (refused !== null) {
        return refused;
      }
      const missing = probed.value ?? [];
      if (missing.length > 0) {
        return { ok: false, reason: `job scheduler not declared in Redis: ${missing.join(', ')} (did Redis lose its data? restarting a worker declares it)` };
      }
      return { ok: true };
    },
    async healthy() {
      const probed = await probeRedis();
      const refused = unable(probed.fresh);
      if (refused !== null) {
        return refused;
      }
      const askedSeconds = probed.value ?? null;
      if (askedSeconds !== null) {
        return {
          ok: false,
          reason: `Gcore asked to pause for ${askedSeconds} s (Retry-After): the token queue is paused for ${Math.round(options.maxRetryAfterMs / 1000)} s`,
        };
      }
      const since = options.heartbeat.sinceMs();
      if (since > options.heartbeatStaleMs) {
        return { ok: false, reason: `no job taken for ${Math.round(since / 1000)} s` };
      }
      // A failing Slack route is said, not a failed check: restarting the worker would not fix a webhook.
      const failing = await readFailingRoutes();
      const routes = failing.value?.length ? { failingRoutes: failing.value.map((f) => ({ route: f.route, attempts: f.attempts, since: f.since })) } : undefined;
      const socket = options.slackSocket?.();
      return { ok: true, details: routes === undefined && socket === undefined ? undefined : { slack: { ...routes, ...socket } } };
    },
  };
}
