import type { Registry } from 'prom-client';
import { startHealthServer, type Verdict } from '../health/health-server.js';

/** What /healthz (healthy) and /readyz (ready) ask; /livez never waits. */
export interface WorkerChecks {
  healthy(): Promise<Verdict>;
  ready(): Promise<Verdict>;
}

export interface WorkerHealth {
  readonly port: number;
  /** From now on the probes ask these checks instead of saying the worker waits for Redis. */
  watch(checks: WorkerChecks): void;
  close(): Promise<void>;
}

/**
 * /healthz is served from the start: while Redis cannot be reached it answers 503 with why (an orchestrator
 * then shows the reason instead of a connection refused), and a taken HEALTH_PORT fails now. /readyz says the
 * same until the worker has started and calls watch().
 */
export async function startWorkerHealth(options: { port: number; registry: Registry; waiting: () => string }): Promise<WorkerHealth> {
  const waiting = (): Promise<Verdict> => Promise.resolve({ ok: false, reason: options.waiting() });
  let checks: WorkerChecks = { healthy: waiting, ready: waiting };
  const server = await startHealthServer({ port: options.port, registry: options.registry, healthy: () => checks.healthy(), ready: () => checks.ready() });
  return {
    port: server.port,
    watch: (next) => (checks = next),
    close: () => server.close(),
  };
}
