import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { boundedRead } from './bounded-read.js';

/** The job states `token_audit_queue_jobs` shows, for each queue. */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];
/** Job counts by queue name, then by state (BullMQ's Queue.getJobCounts). */
export type QueueCounts = Record<string, Partial<Record<QueueState, number>>>;

// Label values every counter shows at 0 from the first scrape, so that `increase(...) > 0` fires on the
// first event instead of on the second (a series that appears at 1 has no increase).
const TOKEN_STATUSES = ['audited', 'gone', 'failed'] as const;
const SLACK_OUTCOMES = ['ok', 'rate_limited', 'error', 'rejected'] as const;
const SLACK_FAILURE_KINDS = ['rejected', 'unavailable'] as const;
// A sweep's outcomes are the sweep's own (run layer); jobs/ reads them without importing the app's metrics.
import { SWEEP_OUTCOMES } from '../../run/sweep-outcome.js';
export { SWEEP_OUTCOMES, type SweepOutcome } from '../../run/sweep-outcome.js';
// The answers the Gcore client acts on (success, auth, not found) and those it retries.
const GCORE_STATUSES = ['200', '401', '403', '404', '408', '429', '500', '502', '503', '504', 'error'] as const;

// prom-client's default metrics include gauges named `*_total` (nodejs_active_handles_total and the like),
// which `promtool check metrics` rejects: only counters may end in _total. Their per-type gauges stay
// (nodejs_active_handles{type}); the total is their sum.
const NON_COUNTERS_NAMED_TOTAL = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** How long /metrics waits for each Redis read (all run in parallel) before it shows the last value read. */
export const REDIS_READ_BOUND_MS = 1000;

/**
 * Prometheus metrics of one worker process. Counters are per process (Prometheus sums replicas); the
 * open-findings, last-success, coverage and queue gauges are read from Redis at scrape time, so every
 * replica agrees. Those reads are bounded: when Redis does not answer in time the gauges keep their last
 * value and `token_audit_redis_up` says 0. Process and Node.js metrics keep their standard names; ours
 * start with `token_audit_`. Labels never carry token ids, names or secrets.
 */
export function createMetrics(readers: {
  openCounts: () => Promise<Map<string, number>>;
  lastSuccess: () => Promise<number | null>;
  gapKeys: () => Promise<string[]>;
  queueCounts: () => Promise<QueueCounts>;
  /** Twice the schedule's longest gap: a run older than this is overdue. */
  staleAfterMs: () => number;
  /** Counted from here when no run ever succeeded. */
  startedAt: number;
  /** The Slack routes this worker posts to (each shown from the first scrape) and those failing now. */
  slackRoutes?: readonly string[];
  failingRoutes?: () => Promise<string[]>;
  /** The first seen (ms since epoch) of the oldest open unmuted finding by severity, kept at each commit. */
  oldestOpen?: () => Promise<ReadonlyMap<string, number>>;
  /** How revocations ended (`revoke`), counted in Redis by the process that carried each out. */
  revocationCounts?: () => Promise<Map<string, number>>;
  now?: () => number;
  readBoundMs?: number;
}) {
  const now = readers.now ?? Date.now;
  const bound = readers.readBoundMs ?? REDIS_READ_BOUND_MS;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const name of NON_COUNTERS_NAMED_TOTAL) {
    registry.removeSingleMetric(name);
  }
  const m = {
    registry,
    runsStarted: new Counter({ name: 'token_audit_runs_started_total', help: 'Audit runs started', registers: [registry] }),
    runsCompleted: new Counter({ name: 'token_audit_runs_completed_total', help: 'Audit runs whose report was committed', registers: [registry] }),
    tokensAudited: new Counter({
      name: 'token_audit_tokens_audited_total',
      help: 'Token audits by outcome',
      labelNames: ['status'],
      registers: [registry],
    }),
    gcoreRequests: new Counter({
      name: 'token_audit_gcore_requests_total',
      help: 'Gcore API answers by HTTP status (or "error" when none came)',
      labelNames: ['status'],
      registers: [registry],
    }),
    gcoreLatency: new Histogram({
      name: 'token_audit_gcore_request_duration_seconds',
      help: 'Gcore API request latency',
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    slackDeliveries: new Counter({
      name: 'token_audit_slack_deliveries_total',
      help: 'Slack webhook posts by outcome (ok, rate_limited, error, rejected)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    slackFailures: new Counter({
      name: 'token_audit_slack_failures_total',
      help: 'Digests Slack did not accept, by kind (rejected: permanent; unavailable: transient)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    slackDeadLetters: new Counter({
      name: 'token_audit_slack_dead_letters_total',
      help: 'Messages Slack refused for good (400 invalid_blocks, msg_too_long...), set aside as dead letters, by route',
      labelNames: ['route'],
      registers: [registry],
    }),
    sentinelSweeps: new Counter({
      name: 'token_audit_sentinel_sweeps_total',
      help: 'Sentinel sweeps by outcome (ok, skipped, list_failed, error)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    sentinelDetection: new Histogram({
      name: 'token_audit_sentinel_detection_seconds',
      help: "From a new token's creation to Slack accepting the sentinel's message about it",
      buckets: [30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 21600, 86400],
      registers: [registry],
    }),
    evidenceFailures: new Counter({
      name: 'token_audit_evidence_failures_total',
      help: 'Evidence folders (evidence.dir) that could not be written; the run went on without one',
      registers: [registry],
    }),
    // README "Acting from Slack": makeInteractionHandler's onAction, by kind and how it ended.
    slackActions: new Counter({
      name: 'token_audit_slack_actions_total',
      help: 'Slack button actions by action (acknowledge, mute, request-revocation, approve-revocation) and outcome (applied, opened, refused, stale, invalid, duplicate, failed)',
      labelNames: ['action', 'outcome'],
      registers: [registry],
    }),
  };
  for (const outcome of SWEEP_OUTCOMES) {
    m.sentinelSweeps.inc({ outcome }, 0);
  }
  for (const status of TOKEN_STATUSES) {
    m.tokensAudited.inc({ status }, 0);
  }
  for (const status of GCORE_STATUSES) {
    m.gcoreRequests.inc({ status }, 0);
  }
  for (const outcome of SLACK_OUTCOMES) {
    m.slackDeliveries.inc({ outcome }, 0);
  }
  for (const kind of SLACK_FAILURE_KINDS) {
    m.slackFailures.inc({ kind }, 0);
  }
  for (const route of readers.slackRoutes ?? []) {
    m.slackDeadLetters.inc({ route }, 0);
  }

  // prom-client collects every metric of a scrape at once: they share one snapshot of Redis, read in
  // parallel, so a scrape costs one bound at most and concurrent scrapes share it too.
  const reads = {
    openCounts: boundedRead(readers.openCounts, bound),
    lastSuccess: boundedRead(readers.lastSuccess, bound),
    gapKeys: boundedRead(readers.gapKeys, bound),
    queueCounts: boundedRead(readers.queueCounts, bound),
    failingRoutes: boundedRead(readers.failingRoutes ?? (() => Promise.resolve([])), bound),
    oldestOpen: boundedRead(readers.oldestOpen ?? (() => Promise.resolve(new Map<string, number>())), bound),
  };
  const readAll = async () => {
    const [openCounts, lastSuccess, gapKeys, queueCounts, failingRoutes, oldestOpen] = await Promise.all([
      reads.openCounts(),
      reads.lastSuccess(),
      reads.gapKeys(),
      reads.queueCounts(),
      reads.failingRoutes(),
      reads.oldestOpen(),
    ]);
    return {
      openCounts,
      lastSuccess,
      gapKeys,
      queueCounts,
      failingRoutes,
      oldestOpen,
      up: [openCounts, lastSuccess, gapKeys, queueCounts, failingRoutes, oldestOpen].every((r) => r.fresh),
    };
  };
  let current: ReturnType<typeof readAll> | null = null;
  const snapshot = () =>
    (current ??= readAll().finally(() => {
      current = null;
    }));

  new Gauge({
    name: 'token_audit_redis_up',
    help: '1 when every Redis-backed gauge of this scrape was read within the bound; 0 when one was not (they show their last value read)',
    registers: [registry],
    async collect() {
      this.set((await snapshot()).up ? 1 : 0);
    },
  });
  new Gauge({
    name: 'token_audit_open_findings',
    help: 'Open, unmuted findings by rule and severity',
    labelNames: ['rule', 'severity'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [key, n] of (await snapshot()).openCounts.value ?? []) {
        const [rule = '', severity = ''] = key.split('|');
        this.set({ rule, severity }, n);
      }
    },
  });
  new Gauge({
    name: 'token_audit_last_success_timestamp_seconds',
    help: 'When a run last committed its report (0: never, or not read yet)',
    registers: [registry],
    async collect() {
      this.set(((await snapshot()).lastSuccess.value ?? 0) / 1000);
    },
  });
  new Gauge({
    name: 'token_audit_coverage_gaps',
    help: 'Accounts the last run could not enumerate, or with more than a tenth of their tokens unread',
    registers: [registry],
    async collect() {
      this.set((await snapshot()).gapKeys.value?.length ?? 0);
    },
  });
  new Gauge({
    name: 'token_audit_last_success_stale',
    help: '1 when no run has succeeded within twice the schedule interval (counted from start if none ever did)',
    registers: [registry],
    async collect() {
      const last = (await snapshot()).lastSuccess.value ?? readers.startedAt;
      this.set(now() - last > readers.staleAfterMs() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'token_audit_queue_jobs',
    help: 'Jobs of each queue by state (waiting, active, delayed, failed)',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [queue, counts] of Object.entries((await snapshot()).queueCounts.value ?? {})) {
        for (const state of QUEUE_STATES) {
          this.set({ queue, state }, counts[state] ?? 0);
        }
      }
    },
  });
  new Gauge({
    name: 'token_audit_slack_route_failing',
    help: 'Slack routes whose delivery keeps failing (1: failing; see slack-route-failing in the README), from Redis',
    labelNames: ['route'],
    registers: [registry],
    async collect() {
      this.reset();
      const failing = new Set((await snapshot()).failingRoutes.value ?? []);
      for (const route of new Set([...(readers.slackRoutes ?? []), ...failing])) {
        this.set({ route }, failing.has(route) ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'token_audit_oldest_open_finding_age_seconds',
    help: 'Age of the oldest open, unmuted finding by severity (from its first seen; no series: none open), from Redis',
    labelNames: ['severity'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [severity, firstSeen] of (await snapshot()).oldestOpen.value ?? []) {
        this.set({ severity }, Math.max(0, (now() - firstSeen) / 1000));
        }
      },
    });

  // A counter kept in Redis (the CLI carries revocations out, the worker shows them): each scrape sets it
  // to the stored count, every outcome shown from 0. Not part of token_audit_redis_up's snapshot.
  const readRevocations = boundedRead(readers.revocationCounts ?? (() => Promise.resolve(new Map<string, number>())), bound);
  new Counter({
    name: 'token_audit_revocations_total',
    help: 'Revocations by how they ended (done, refused, lapsed, cancelled), from Redis',
    labelNames: ['outcome'],
    registers: [registry],
    async collect() {
      const counts = (await readRevocations()).value ?? new Map<string, number>();
      this.reset();
      for (const outcome of new Set([...REVOCATION_OUTCOMES, ...counts.keys()])) {
        this.inc({ outcome }, counts.get(outcome) ?? 0);
      }
    },
  });
  return m;
}

/** The ends of a revocation (src/store/revocation-store.ts), each shown from the first scrape. */
const REVOCATION_OUTCOMES = ['done', 'refused', 'lapsed', 'cancelled', 'kept'] as const;

export type Metrics = ReturnType<typeof createMetrics>;
