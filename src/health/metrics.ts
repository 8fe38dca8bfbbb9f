import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics of one worker process. Counters are per process (Prometheus sums replicas); the
 * open-findings and last-success gauges are read from Redis at scrape time, so every replica agrees.
 * Labels never carry token ids, names or secrets.
 */
export function createMetrics(readers: {
  openCounts: () => Promise<Map<string, number>>;
  lastSuccess: () => Promise<number | null>;
  gapKeys: () => Promise<string[]>;
  /** Twice the schedule's longest gap: a run older than this is overdue. */
  staleAfterMs: () => number;
  /** Counted from here when no run ever succeeded. */
  startedAt: number;
  now?: () => number;
}) {
  const now = readers.now ?? Date.now;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'token_audit_process_' });
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
  };
  new Gauge({
    name: 'token_audit_open_findings',
    help: 'Open, unmuted findings by rule and severity',
    labelNames: ['rule', 'severity'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [key, n] of await readers.openCounts()) {
        const [rule = '', severity = ''] = key.split('|');
        this.set({ rule, severity }, n);
      }
    },
  });
  new Gauge({
    name: 'token_audit_last_success_timestamp_seconds',
    help: 'When a run last committed its report (0: never)',
    registers: [registry],
    async collect() {
      this.set(((await readers.lastSuccess()) ?? 0) / 1000);
    },
  });
  new Gauge({
    name: 'token_audit_coverage_gaps',
    help: 'Accounts the last run could not enumerate, or with more than a tenth of their tokens unread',
    registers: [registry],
    async collect() {
      this.set((await readers.gapKeys()).length);
    },
  });
  new Gauge({
    name: 'token_audit_last_success_stale',
    help: '1 when no run has succeeded within twice the schedule interval (counted from start if none ever did)',
    registers: [registry],
    async collect() {
      const last = (await readers.lastSuccess()) ?? readers.startedAt;
      this.set(now() - last > readers.staleAfterMs() ? 1 : 0);
    },
  });
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
