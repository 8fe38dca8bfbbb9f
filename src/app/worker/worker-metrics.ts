import type { Config } from '../../config/config.js';
import { scheduleGapMs } from '../../core/schedule-gap.js';
import type { AuditQueues } from '../../store/audit-queues.js';
import { QUEUE_STATES, createMetrics, type Metrics } from '../health/metrics.js';
import type { WorkerStores } from './worker-stores.js';

export interface WorkerMetricsOptions {
  readonly config: Config;
  readonly stores: WorkerStores;
  /** The routes this worker posts to: only their failures are shown. */
  readonly webhooks: ReadonlyMap<string, string>;
  readonly clock: () => Date;
  /** The queues once Redis has answered; until then (null) /metrics shows no queue counts. */
  readonly queues: () => AuditQueues | null;
}

/** The worker's /metrics: its gauges read from the stores at scrape time (bounded there), its counters fed by the jobs. */
export function createWorkerMetrics({ config, stores, webhooks, clock, queues }: WorkerMetricsOptions): Metrics {
  const { states, runs, outbox, history, revocations } = stores;
  return createMetrics({
    openCounts: () => states.openCounts(),
    lastSuccess: () => runs.lastSuccess(),
    gapKeys: () => states.gapKeys(),
    queueCounts: async () => {
      const started = queues();
      return started === null
        ? {}
        : Object.fromEntries(await Promise.all([started.runs, started.tokens].map(async (q) => [q.name, await q.getJobCounts(...QUEUE_STATES)] as const)));
    },
    staleAfterMs: () => 2 * scheduleGapMs(config.schedule.cron, config.schedule.timezone, clock()),
    startedAt: clock().getTime(),
    now: () => clock().getTime(),
    slackRoutes: [...webhooks.keys()],
    failingRoutes: async () => (await outbox.failingRoutes()).map((f) => f.route).filter((route) => webhooks.has(route)),
    oldestOpen: () => history.oldestOpen(),
    revocationCounts: () => revocations.counts(),
  });
}
