import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { SlackNotifier } from '../../alerts/slack/slack-notifier.js';
import type { Config } from '../../config/config.js';
import type { DirectorySource } from '../../config/load-directory.js';
import type { Secrets } from '../../config/secrets.js';
import type { GcoreApi } from '../../gcore/gcore-api.js';
import type { AuditQueues } from '../../store/audit-queues.js';
import type { JobName } from '../../store/job-catalogue.js';
import { toMute } from '../../store/mute-store.js';
import { deliverOutbox, makeReportHandler, type ReportJobDeps } from '../../../jobs/report-job.js';
import { makeRunHandler } from '../../../jobs/run-job.js';
import { makeSweepHandler } from '../../../jobs/sweep-job.js';
import type { Metrics } from '../health/metrics.js';
import type { WorkerDelivery } from './worker-delivery.js';
import { workerEvidence } from './worker-evidence.js';
import { workerQuarantines } from './worker-quarantines.js';
import type { WorkerStores } from './worker-stores.js';

/** One handler per job name of the runs queue; the type makes a missing one a compile error. */
export type RunsHandlers = Record<Exclude<JobName, 'token'>, (job: Job) => Promise<unknown>>;

export interface RunsHandlerDeps {
  readonly config: Config;
  readonly secrets: Secrets;
  /** This replica's company directory (its contents are never put in Redis). */
  readonly directory: DirectorySource;
  readonly api: GcoreApi;
  readonly queues: AuditQueues;
  readonly stores: WorkerStores;
  readonly notifiers: ReadonlyMap<string, SlackNotifier>;
  readonly delivery: WorkerDelivery;
  readonly metrics: Metrics;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly redact: (text: string) => string;
  /** A heartbeat job was taken: this replica's loop is alive. */
  readonly onHeartbeat: () => void;
  /** First retry delay of the quarantine deleter's Gcore calls (tests shorten it). */
  readonly gcoreRetryBaseDelayMs?: number;
}

/** The run, report, sweep, deliver and heartbeat handlers of the runs queue, wired to the worker's stores and metrics. */
export function makeRunsHandlers(deps: RunsHandlerDeps): RunsHandlers {
  const { config, secrets, stores, metrics, clock, logger: log } = deps;
  const onRun = makeRunHandler({
    config,
    api: deps.api,
    secrets,
    queues: deps.queues,
    states: stores.states,
    clock,
    logger: log,
    redact: deps.redact,
    onStarted: () => metrics.runsStarted.inc(),
    seen: (clientId) => stores.sentinel.seen(clientId),
    issuers: stores.issuers,
  });
  // Sweeps apply the mutes a run applies: the configuration's and those added at run time.
  const mutesInForce = async () => [...config.mutes, ...(await stores.mutes.list()).map((m) => toMute(m, config.muteMaxDays))];
  const quarantines = workerQuarantines(config, secrets, {
    api: deps.api,
    revocations: stores.revocations,
    alertStates: stores.states,
    mutes: mutesInForce,
    clock,
    logger: log,
    retryBaseDelayMs: deps.gcoreRetryBaseDelayMs,
  });
  const reportDeps: ReportJobDeps = {
    ...deps.delivery,
    config,
    directory: deps.directory,
    states: stores.states,
    mutes: stores.mutes,
    revocations: stores.revocations,
    acks: stores.acks,
    committer: stores.committer,
    clock,
    logger: log,
    onCommitted: () => metrics.runsCompleted.inc(),
    evidence: workerEvidence(config, secrets, { clock, logger: log, onFailure: () => metrics.evidenceFailures.inc() }),
    quarantines,
  };
  const onReport = makeReportHandler(reportDeps);
  const sentinel = config.sentinel;
  const onSweep =
    sentinel === null
      ? null
      : makeSweepHandler({
          config,
          sentinel,
          api: deps.api,
          secrets,
          states: stores.states,
          store: stores.sentinel,
          mutes: mutesInForce,
          clock,
          logger: log,
          learntIds: new Map(),
          issuers: () => stores.issuers.latest(),
          directory: deps.directory,
          delivery: deps.delivery,
          onSweep: (outcome) => metrics.sentinelSweeps.inc({ outcome }),
          onDetected: (seconds) => metrics.sentinelDetection.observe(seconds),
          quarantine: config.remediation?.enabled ? { entries: config.remediation.quarantine ?? [], store: stores.revocations } : undefined,
          quarantines,
        });
  return {
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
      deps.onHeartbeat();
      return Promise.resolve(null);
    },
  };
}
