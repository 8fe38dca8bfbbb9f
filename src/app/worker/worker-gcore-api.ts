import type { Config } from '../../config/config.js';
import { createGcoreApi } from '../../gcore/create-gcore-api.js';
import type { GcoreApi } from '../../gcore/gcore-api.js';
import { createRequestLimiter } from '../../gcore/request-limiter.js';
import type { Metrics } from '../health/metrics.js';

/**
 * One client and one retry policy for listing and getting. Listing retries 429 in the client; the token
 * queue pauses as a whole instead (startTokensWorker). concurrencyPerWorker and ratePerSecond bound both
 * here; BullMQ's limiter bounds token jobs across replicas.
 */
export function createWorkerGcoreApi(
  config: Config,
  metrics: Pick<Metrics, 'gcoreRequests' | 'gcoreLatency'>,
  options: { maxRetryAfterMs: number; retryBaseDelayMs?: number },
): GcoreApi {
  return createGcoreApi({
    ...config.gcore,
    limiter: createRequestLimiter({
      concurrency: config.gcore.concurrencyPerWorker,
      ratePerSecond: config.gcore.ratePerSecond ?? undefined,
    }),
    maxRetryAfterMs: options.maxRetryAfterMs,
    retryRateLimitedGets: false,
    retryBaseDelayMs: options.retryBaseDelayMs,
    onResponse: (status, ms) => {
      metrics.gcoreRequests.inc({ status: String(status) });
      metrics.gcoreLatency.observe(ms / 1000);
    },
  });
}
