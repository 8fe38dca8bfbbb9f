import { Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import type { DirectorySource } from '../../config/load-directory.js';
import type { Secrets } from '../../config/secrets.js';
import type { GcoreApi } from '../../gcore/gcore-api.js';
import type { AuditQueues } from '../../store/audit-queues.js';
import type { RedisClient } from '../../store/redis-connection.js';
import { makeTokenHandler } from '../../../jobs/token-job.js';
import type { Metrics } from '../health/metrics.js';
import type { WorkerStores } from './worker-stores.js';

/** Set while the token queue is paused for a Retry-After Gcore asked to be longer than we wait: /healthz says so. */
export const longPauseKey = (prefix: string) => `${prefix}:gcore:long-pause`;

export interface TokensHandlerDeps {
  readonly config: Config;
  readonly secrets: Secrets;
  readonly directory: DirectorySource;
  readonly api: GcoreApi;
  readonly queues: Pick<AuditQueues, 'tokens'>;
  readonly redis: RedisClient;
  readonly prefix: string;
  readonly stores: Pick<WorkerStores, 'refusedKeys' | 'issuers'>;
  readonly metrics: Pick<Metrics, 'tokensAudited'>;
  readonly logger: Logger;
  /** Longest Gcore Retry-After waited out: a longer one pauses the token queue this long, no longer. */
  readonly maxRetryAfterMs: number;
}

/** The token queue's handler: a 429 pauses the whole queue (across replicas), not just this job. */
export function makeTokensHandler(deps: TokensHandlerDeps): (job: Job) => Promise<unknown> {
  const { config, logger: log, maxRetryAfterMs } = deps;
  const tokensQueue = deps.queues.tokens;
  return makeTokenHandler({
    api: deps.api,
    secrets: deps.secrets,
    policy: config.policy,
    directory: deps.directory,
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
      await deps.redis.set(longPauseKey(deps.prefix), String(Math.round(askedMs / 1000)), 'PX', maxRetryAfterMs);
      await tokensQueue.rateLimit(maxRetryAfterMs);
    },
    onResult: (r) => deps.metrics.tokensAudited.inc({ status: r.status }),
    refusedKeys: (runKey) => deps.stores.refusedKeys.forRun(runKey),
    issuers: (runKey) => deps.stores.issuers.heldForRun(runKey),
  });
}
