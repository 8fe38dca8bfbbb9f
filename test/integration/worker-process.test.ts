import { afterEach, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { RUNS_QUEUE, SCHEDULER_ID } from '../../src/store/job-catalogue.js';
import { healthStatus, runCliProcess, spawnWorker, until } from '../support/worker-process.js';
import { freePort, startRedisServer } from '../support/redis-server.js';
import { tokenReads, workerHarness } from '../support/worker-harness.js';
import { stopAll, type Started } from '../support/cleanup.js';

const started: Started = { procs: [] };
afterEach(() => stopAll(started));

describe('worker processes', () => {
  it('share one run between two processes: every token is audited once, one digest; SIGTERM exits 0', async () => {
    const h = (started.h = await workerHarness({ tokens: 40, config: 'gcore: { concurrency: 4 }\naccounts: [{ clientId: 456 }]\n' }));
    h.gcore.latencyMs = 20;
    const procs = (started.procs = await Promise.all([spawnWorker(h.env, h.configPath), spawnWorker(h.env, h.configPath)]));

    const run = await h.trigger();
    expect(run.code).toBe(0);
    expect(run.report?.summary.tokensAudited).toBe(40);
    const reads = tokenReads(h.gcore);
    expect(reads.size).toBe(40);
    expect([...reads.values()].every((n) => n === 1)).toBe(true);
    expect(h.slack.accepted().length).toBe(1);

    const t0 = Date.now();
    for (const p of procs) {
      p.child.kill('SIGTERM');
    }
    const codes = await Promise.all(procs.map((p) => p.exited));
    expect(codes).toEqual([0, 0]);
    expect(Date.now() - t0).toBeLessThan(10_000);
    for (const p of procs) {
      expect(p.stderr()).toContain('"msg":"worker stopped"');
      expect(p.stderr()).not.toContain(h.env.GCORE_API_KEY);
      expect(p.stderr()).not.toContain(h.env.SLACK_WEBHOOK_URL);
    }
  });

  it('exits 0 within 10 s on SIGTERM while token jobs are in flight', async () => {
    const h = (started.h = await workerHarness({ tokens: 8 }));
    for (let id = 101; id <= 108; id += 1) {
      h.gcore.scripts.set(`/iam/v2/clients/456/tokens/${id}`, () => ({ status: 200, hang: true })); // every token read hangs
    }
    const worker = await spawnWorker(h.env, h.configPath);
    started.procs = [worker];
    const out: string[] = [];
    const { runCli } = await import('../../src/app/cli/run-cli.js');
    await runCli(['trigger'], { stdout: { write: (s: string) => out.push(s) }, env: h.env, logDestination: h.logs });
    await until(() => Promise.resolve(h.gcore.requests.some((r) => /tokens\/\d+$/.test(r)) ?? false), 10_000, 'a token read in flight');
    const t0 = Date.now();
    worker.child.kill('SIGTERM');
    const code = await worker.exited;
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('trigger: a Redis that does not answer is a clear error and exit 5, never a hang or a stack trace', async () => {
    const port = await freePort(); // nothing listens there
    const run = await runCliProcess(['trigger', '--timeout', '2'], { REDIS_URL: `redis://:s3cret-pass@127.0.0.1:${port}` });
    expect(run.code).toBe(5);
    expect(run.stderr).toBe(`gcore-token-audit: Redis at redis://:***@127.0.0.1:${port} (REDIS_URL): connection refused (ECONNREFUSED): nothing listens there\n`);
    expect(run.stderr).not.toContain('s3cret-pass');
    expect(run.stdout).toBe('');
  });

  it('says 503 on /healthz and /readyz while Redis is away (/livez 200) and 200 once it is back, and keeps working', async () => {
    const redis = (started.redis = await startRedisServer());
    const h = (started.h = await workerHarness({ tokens: 3, redisUrl: redis.url }));
    const worker = await spawnWorker({ ...h.env, REDIS_URL: redis.url }, h.configPath);
    started.procs = [worker];
    expect(await healthStatus(worker.healthUrl)).toBe(200);

    const probe = (path: string) => worker.healthUrl.replace('/healthz', path);
    expect(await healthStatus(probe('/readyz'))).toBe(200);

    await redis.stop();
    await until(async () => (await healthStatus(worker.healthUrl)) === 503, 10_000, '/healthz to say 503');
    // Kubernetes' probes: alive (a restart would not bring Redis back), not ready, and why.
    expect(await healthStatus(probe('/livez'))).toBe(200);
    const readyz = await fetch(probe('/readyz'), { signal: AbortSignal.timeout(2000) });
    expect(readyz.status).toBe(503);
    expect(await readyz.json()).toEqual({ status: 'unready', reason: expect.stringMatching(/^Redis (does not answer|connection \w+)$/) as unknown });

    await redis.start();
    await until(async () => (await healthStatus(worker.healthUrl)) === 200, 20_000, '/healthz to say 200 again');
    await until(async () => (await healthStatus(probe('/readyz'))) === 200, 5_000, '/readyz to say 200 again');
    const run = await h.trigger();
    expect(run.code).toBe(0);
    expect(run.report?.summary.tokensAudited).toBe(3);

    // A Redis that lost its data answers but holds no schedule, and no run would ever start again.
    const client = new Redis(redis.url);
    const runs = new Queue(RUNS_QUEUE, { connection: client, prefix: h.prefix });
    await runs.removeJobScheduler(SCHEDULER_ID);
    await Promise.all([runs.close(), client.quit()]);
    const unready = await fetch(probe('/readyz'), { signal: AbortSignal.timeout(2000) });
    expect(unready.status).toBe(503);
    expect(((await unready.json()) as { reason: string }).reason).toContain('job scheduler not declared in Redis: audit-schedule');
    expect(await healthStatus(probe('/livez'))).toBe(200);
  });

  it('serves Prometheus metrics without secrets or token ids', async () => {
    const h = (started.h = await workerHarness({ tokens: 3 }));
    const worker = await spawnWorker(h.env, h.configPath);
    started.procs = [worker];
    await h.trigger();
    const text = await (await fetch(worker.healthUrl.replace('/healthz', '/metrics'))).text();
    expect(text).toMatch(/^token_audit_runs_started_total 1$/m);
    expect(text).toMatch(/^token_audit_runs_completed_total 1$/m);
    expect(text).toMatch(/^token_audit_tokens_audited_total\{status="audited"\} 3$/m);
    expect(text).toMatch(/^token_audit_open_findings\{rule="never-expiring",severity="medium"\} 3$/m);
    // The listing and 3 gets, then the people: /iam/clients/me and one page of /iam/users.
    expect(text).toMatch(/^token_audit_gcore_requests_total\{status="200"\} 6$/m);
    expect(text).toMatch(/^token_audit_slack_deliveries_total\{outcome="ok"\} 1$/m);
    expect(text).toMatch(/^token_audit_last_success_timestamp_seconds [1-9]\d+/m);
    expect(text).toMatch(/^token_audit_gcore_request_duration_seconds_count 6$/m);
    // every label value but histogram buckets (le="120")
    const labelValues = [...text.matchAll(/(?<!\ble)="([^"]*)"/g)].map((m) => m[1]);
    const statuses = ['200', '401', '403', '404', '408', '429', '500', '502', '503', '504']; // shown at 0 from the start
    expect(labelValues.filter((v) => /^\d{3}$/.test(v ?? '') && !statuses.includes(v ?? ''))).toEqual([]); // status codes only, no token ids
    expect(text).not.toContain(h.env.GCORE_API_KEY);
  });
});
