import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { WorkerCheckOptions } from '../../src/app/worker/worker-checks.js';
import { createWorkerChecks } from '../../src/app/worker/worker-checks.js';

/** A replica's parts as the checks see them, each settable by a test. */
function replica() {
  const state = {
    status: 'ready',
    longPause: null as string | null,
    declared: new Set(['audit-schedule']),
    running: { runs: true, tokens: true },
    sinceMs: 0,
    failing: [] as { route: string; attempts: number; since: number }[],
    hang: false,
  };
  const never = new Promise<never>(() => undefined);
  const options = {
    redis: {
      get status() {
        return state.status;
      },
      exists: () => (state.hang ? never : Promise.resolve(1)),
      get: () => Promise.resolve(state.longPause),
    },
    prefix: 'p',
    queues: { runs: { getJobScheduler: (id: string) => Promise.resolve(state.declared.has(id) ? { id } : undefined) } },
    schedulerIds: ['audit-schedule', 'sentinel-sweep'],
    workers: { runs: { isRunning: () => state.running.runs }, tokens: { isRunning: () => state.running.tokens } },
    outbox: { failingRoutes: () => Promise.resolve(state.failing) },
    webhooks: new Map([['default', 'https://hooks.example/x']]),
    heartbeat: { sinceMs: () => state.sinceMs },
    heartbeatStaleMs: 60_000,
    maxRetryAfterMs: 60_000,
  } as unknown as WorkerCheckOptions;
  return { state, checks: createWorkerChecks(options) };
}

describe('createWorkerChecks', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('healthy and ready when Redis answers, the workers run, a heartbeat is recent and the schedulers are declared', async () => {
    const { state, checks } = replica();
    state.declared.add('sentinel-sweep');
    await expect(checks.healthy()).resolves.toEqual({ ok: true, details: undefined });
    await expect(checks.ready()).resolves.toEqual({ ok: true });
  });

  it('not ready while a declared scheduler is missing from Redis, naming it; still healthy', async () => {
    const { checks } = replica();
    await expect(checks.ready()).resolves.toEqual({
      ok: false,
      reason: 'job scheduler not declared in Redis: sentinel-sweep (did Redis lose its data? restarting a worker declares it)',
    });
    await expect(checks.healthy()).resolves.toMatchObject({ ok: true });
  });

  it('neither healthy nor ready when a worker stopped or the connection is not ready', async () => {
    const { state, checks } = replica();
    state.declared.add('sentinel-sweep');
    state.running.tokens = false;
    await expect(checks.healthy()).resolves.toEqual({ ok: false, reason: 'worker stopped' });
    await expect(checks.ready()).resolves.toEqual({ ok: false, reason: 'worker stopped' });
    state.running.tokens = true;
    state.status = 'reconnecting';
    await expect(checks.healthy()).resolves.toEqual({ ok: false, reason: 'Redis connection reconnecting' });
    await expect(checks.ready()).resolves.toEqual({ ok: false, reason: 'Redis connection reconnecting' });
  });

  it('unhealthy while Gcore holds the token queue in a long pause, and when no heartbeat was taken for too long', async () => {
    const { state, checks } = replica();
    state.longPause = '600';
    await expect(checks.healthy()).resolves.toEqual({ ok: false, reason: 'Gcore asked to pause for 600 s (Retry-After): the token queue is paused for 60 s' });
    state.longPause = null;
    state.sinceMs = 60_001;
    await expect(checks.healthy()).resolves.toEqual({ ok: false, reason: 'no job taken for 60 s' });
    state.sinceMs = 60_000;
    await expect(checks.healthy()).resolves.toMatchObject({ ok: true });
  });

  it("shows failing Slack routes as details of a healthy verdict, only this worker's routes", async () => {
    const { state, checks } = replica();
    state.failing = [
      { route: 'default', attempts: 3, since: 1000 },
      { route: 'gone', attempts: 9, since: 5 },
    ];
    await expect(checks.healthy()).resolves.toEqual({ ok: true, details: { slack: { failingRoutes: [{ route: 'default', attempts: 3, since: 1000 }] } } });
  });

  it('says Redis does not answer when its probe hangs past the bound, without waiting longer', async () => {
    jest.useFakeTimers();
    const { state, checks } = replica();
    state.hang = true;
    const healthy = checks.healthy();
    const ready = checks.ready();
    await jest.advanceTimersByTimeAsync(900);
    await expect(healthy).resolves.toEqual({ ok: false, reason: 'Redis does not answer' });
    await expect(ready).resolves.toEqual({ ok: false, reason: 'Redis does not answer' });
  });
});
