import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from '@jest/globals';
import { runCli } from '../../src/app/cli/run-cli.js';
import { RUNS_QUEUE, TOKENS_QUEUE } from '../../src/store/job-catalogue.js';
import { promtool } from '../support/promtool.js';
import { startRedisServer } from '../support/redis-server.js';
import { healthStatus, spawnWorker, until } from '../support/worker-process.js';
import { workerHarness } from '../support/worker-harness.js';
import { stopAll, type Started } from '../support/cleanup.js';

const started: Started = { procs: [] };
afterEach(() => stopAll(started));

const HOUR = 3_600_000;
const value = (text: string, series: string) => new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1];
const scrape = async (url: string) => (await fetch(url, { signal: AbortSignal.timeout(2000) })).text();
/** Resident set size of a process, in bytes. */
const rss = (pid: number) => Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;

describe('/metrics of a running worker', () => {
  it('passes promtool check metrics, and shows the queues by state as BullMQ counts them', async () => {
    const h = (started.h = await workerHarness({ tokens: 10 }));
    const worker = await h.startWorker();
    const url = `http://127.0.0.1:${worker.healthPort}/metrics`;
    const first = await scrape(url);
    expect(promtool(['check', 'metrics'], first)).toEqual({ code: 0, output: '' });
    expect(value(first, 'token_audit_slack_failures_total{kind="rejected"}')).toBe('0');
    expect(value(first, 'token_audit_slack_deliveries_total{outcome="rejected"}')).toBe('0');
    expect(value(first, 'token_audit_redis_up')).toBe('1');
    expect(value(first, `token_audit_queue_jobs{queue="${RUNS_QUEUE}",state="delayed"}`)).toBe('1'); // the schedule's next run

    // Every token read hangs: the global concurrency (4) holds 4 token jobs active, the other 6 wait.
    for (let id = 101; id <= 110; id += 1) {
      h.gcore.scripts.set(`/iam/v2/clients/456/tokens/${id}`, () => ({ status: 200, hang: true }));
    }
    expect(await runCli(['trigger'], { stdout: { write: () => undefined }, env: h.env, logDestination: h.logs })).toBe(0);
    const queued = (text: string) => ['waiting', 'active', 'delayed', 'failed'].map((state) => value(text, `token_audit_queue_jobs{queue="${TOKENS_QUEUE}",state="${state}"}`));
    await until(async () => JSON.stringify(queued(await scrape(url))) === JSON.stringify(['6', '4', '0', '0']), 15_000, '6 token jobs waiting and 4 active');
    expect(promtool(['check', 'metrics'], await scrape(url))).toEqual({ code: 0, output: '' });
  });

  it('says stale after twice the schedule interval without a successful run, not after one', async () => {
    const h = (started.h = await workerHarness({ tokens: 2 })); // schedule: daily
    const worker = await h.startWorker();
    const stale = async () => value(await scrape(`http://127.0.0.1:${worker.healthPort}/metrics`), 'token_audit_last_success_stale');
    const t0 = h.now.getTime();
    expect(await stale()).toBe('0');
    h.now = new Date(t0 + 47 * HOUR); // no run ever: counted from start
    expect(await stale()).toBe('0');
    h.now = new Date(t0 + 49 * HOUR);
    expect(await stale()).toBe('1');

    expect((await h.trigger()).code).toBe(0);
    expect(await stale()).toBe('0');
    h.now = new Date(t0 + (49 + 47) * HOUR);
    expect(await stale()).toBe('0');
    h.now = new Date(t0 + (49 + 49) * HOUR);
    expect(await stale()).toBe('1');
  });

  it('answers within 2 s while Redis is down, 50 times, keeping the last values read, with RSS flat; fresh again once Redis is back', async () => {
    const redis = (started.redis = await startRedisServer());
    const h = (started.h = await workerHarness({ tokens: 3, redisUrl: redis.url }));
    // A small young generation keeps RSS close to what is live, so growth means something.
    const worker = await spawnWorker(h.env, h.configPath, { nodeArgs: ['--max-semi-space-size=1'] });
    started.procs = [worker];
    const url = worker.healthUrl.replace('/healthz', '/metrics');
    expect((await h.trigger()).code).toBe(0);
    const before = await scrape(url);
    const lastSuccess = value(before, 'token_audit_last_success_timestamp_seconds');
    expect(Number(lastSuccess)).toBeGreaterThan(0);
    expect(value(before, 'token_audit_open_findings{rule="never-expiring",severity="medium"}')).toBe('3');
    // The run just found them: their oldest is seconds old, and no severity without an open finding has a series.
    expect(Number(value(before, 'token_audit_oldest_open_finding_age_seconds{severity="medium"}'))).toBeGreaterThanOrEqual(0);
    expect(before).not.toMatch(/^token_audit_oldest_open_finding_age_seconds\{severity="critical"\}/m);
    expect(promtool(['check', 'metrics'], before)).toEqual({ code: 0, output: '' });

    await redis.stop('SIGKILL');
    let down = true;
    try {
      await until(async () => (await healthStatus(worker.healthUrl)) === 503, 10_000, '503 while Redis is down');
      const pid = worker.child.pid ?? 0;
      for (let i = 0; i < 5; i += 1) {
        await scrape(url); // warm-up: buffers and code paths of a scrape without Redis
      }
      const rssBefore = rss(pid);
      // 50 scrapes, 5 at a time: each must answer within the client's 2 s (a hang aborts the fetch).
      for (let round = 0; round < 10; round += 1) {
        const texts = await Promise.all(Array.from({ length: 5 }, () => scrape(url)));
        for (const text of texts) {
          expect(value(text, 'token_audit_redis_up')).toBe('0');
          expect(value(text, 'token_audit_last_success_timestamp_seconds')).toBe(lastSuccess);
          expect(value(text, 'token_audit_open_findings{rule="never-expiring",severity="medium"}')).toBe('3');
          expect(value(text, 'token_audit_coverage_gaps')).toBe('0');
        }
      }
      const growth = rss(pid) - rssBefore;
      // Generous, for the garbage collector's timing; a pile-up of hung requests and reads grows without bound.
      expect(growth).toBeLessThan(24 * 1024 * 1024);

      await redis.start();
      down = false;
      await until(async () => value(await scrape(url), 'token_audit_redis_up') === '1', 20_000, 'redis_up 1 once Redis is back');
    } finally {
      if (down) {
        await redis.start(); // the harness's own client waits for Redis to quit
      }
    }
  }, 120_000);
});
