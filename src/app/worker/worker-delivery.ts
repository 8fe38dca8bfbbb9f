import { UnrecoverableError } from 'bullmq';
import type { SlackNotifier } from '../../alerts/slack/slack-notifier.js';
import { AuditError } from '../../core/errors.js';
import type { SweepJobDeps } from '../../../jobs/sweep-job.js';
import type { Metrics } from '../health/metrics.js';
import type { WorkerStores } from './worker-stores.js';

class OutboxBusyError extends AuditError {
  readonly code = 'OUTBOX_BUSY';
}

/** What delivering a route's outbox needs, the same for a report, a sweep and `deliveries resend`. */
export type WorkerDelivery = SweepJobDeps['delivery'];

export function createWorkerDelivery(options: {
  stores: Pick<WorkerStores, 'runs' | 'outbox'>;
  notifiers: ReadonlyMap<string, SlackNotifier>;
  metrics: Pick<Metrics, 'slackFailures' | 'slackDeadLetters'>;
  redact: (text: string) => string;
  /** Aborted first thing on close(): a delivery in progress stops and releases its outbox claim. */
  signal: AbortSignal;
  outboxClaimMs?: number;
}): WorkerDelivery {
  const { metrics } = options;
  return {
    runs: options.stores.runs,
    outbox: options.stores.outbox,
    notifiers: options.notifiers,
    redact: options.redact,
    signal: options.signal,
    outboxClaimMs: options.outboxClaimMs,
    busy: () => new OutboxBusyError('another replica is delivering the outbox'),
    permanent: (error) => new UnrecoverableError(error.message),
    onSlackFailure: (kind) => metrics.slackFailures.inc({ kind }),
    onDeadLetter: (route) => metrics.slackDeadLetters.inc({ route }),
  };
}
