import { afterEach, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { RUNS_QUEUE } from '../../src/store/job-catalogue.js';
import { gcoreToken } from '../support/gcore-stand-in.js';
import { startRedisServer } from '../support/redis-server.js';
import { healthStatus, spawnWorker, until } from '../support/worker-process.js';
import { tokenReads, workerHarness, type Harness } from '../support/worker-harness.js';
import { stopAll, type Started } from '../support/cleanup.js';

const started: Started = { procs: [] };
afterEach(() => stopAll(started));

const reads = (x: Harness) => [...tokenReads(x.gcore).values()].reduce((a, b) => a + b, 0);

describe('faults', () => {
  it('a worker SIGKILLed mid-run: another completes the run, every token is audited, one digest', async () => {
    const h = (started.h = await workerHarness({ tokens: 40, config: 'gcore: { concurrency: 2 }\naccounts: [{ clientId: 456 }]\n' }));
    h.gcore.latencyMs = 100;
    const env = { ...h.env, JOB_LOCK_MS: '2000' };
    const procs = (started.procs = await Promise.all([spawnWorker(env, h.configPath), spawnWorker(env, h.configPath)]));
    const running = h.trigger();
    await until(() => Promise.resolve(reads(h) >= 20), 20_000, 'half of the token reads');
    procs[0]?.child.kill('SIGKILL');

    const run = await running;
    expect(run.code).toBe(0);
    expect(run.report?.summary).toMatchObject({ tokensAudited: 40, failed: 0 });
    expect(tokenReads(h.gcore).size).toBe(40);
    expect(h.slack.accepted().length).toBe(1);
    expect(h.slack.accepted()[0]?.raw).toContain('*New* (40)');
  });

  it('Redis restarted between runs and in the middle of one: state and schedule survive, the run completes', async () => {
    const redis = (started.redis = await startRedisServer({ appendonly: true }));
    const h = (started.h = await workerHarness({ tokens: 20, redisUrl: redis.url, config: 'gcore: { concurrency: 2 }\naccounts: [{ clientId: 456 }]\n' }));
    const worker = await spawnWorker({ ...h.env, JOB_LOCK_MS: '2000' }, h.configPath);
    started.procs = [worker];
    expect((await h.trigger()).code).toBe(0);
    expect(h.slack.accepted().length).toBe(1);

    // between runs
    await redis.stop('SIGKILL');
    await until(async () => (await healthStatus(worker.healthUrl)) === 503, 10_000, '503 while Redis is down');
    await redis.start();
    await until(async () => (await healthStatus(worker.healthUrl)) === 200, 20_000, '200 once Redis is back');
    const check = new Redis(redis.url);
    const queue = new Queue(RUNS_QUEUE, { connection: check, prefix: h.prefix });
    try {
      expect((await queue.getJobSchedulers()).length).toBe(1);
    } finally {
      await queue.close();
      check.disconnect();
    }
    expect((await h.trigger()).code).toBe(0);
    expect(h.slack.accepted().length).toBe(1); // the alert state survived: nothing is new

    // in the middle of a run
    h.gcore.latencyMs = 150;
    const before = reads(h);
    const running = h.trigger();
    await until(() => Promise.resolve(reads(h) >= before + 6), 20_000, 'a run under way');
    await redis.stop('SIGKILL');
    await until(async () => (await healthStatus(worker.healthUrl)) === 503, 10_000, '503 while Redis is down');
    await redis.start();
    const run = await running;
    expect(run.code).toBe(0);
    expect(run.report?.summary).toMatchObject({ tokensAudited: 20, failed: 0 });
    expect(h.slack.accepted().length).toBe(1);
  });

  it('Slack unreachable for longer than a run: the digests wait in Redis and are delivered in order, once', async () => {
    const h = (started.h = await workerHarness({ tokens: 2 }));
    await h.startWorker();
    h.slack.respond = () => 'reset';
    expect((await h.trigger()).code).toBe(4);
    h.gcore.accounts.get(456)?.set(103, gcoreToken(103, { exp_date: null }));
    expect((await h.trigger()).code).toBe(4);
    expect(h.slack.accepted()).toEqual([]);
    expect(await h.redis.llen(`${h.prefix}:alerts:outbox`)).toBe(2);

    h.slack.respond = () => ({ status: 200, body: 'ok' });
    await until(() => Promise.resolve((h.slack.accepted().length ?? 0) >= 2), 20_000, 'both digests');
    const [first, second] = h.slack.accepted().map((p) => p.raw);
    // medium findings roll up by rule with counts per account: the first run's two, then the second's one
    expect(first).toContain('*New* (2)');
    expect(first).toContain('never-expiring (medium): 2 — account 456: 2');
    expect(second).toContain('*New* (1)');
    expect(second).toContain('never-expiring (medium): 1 — account 456: 1');
    expect(second).not.toContain(': 2 — ');
    expect((await h.trigger()).code).toBe(0);
    expect(h.slack.accepted().length).toBe(2);
    expect(await h.redis.llen(`${h.prefix}:alerts:outbox`)).toBe(0);
  });

  it.each([
    [404, 'no_service'],
    [410, 'channel_is_archived'],
  ])('a permanent Slack error (%i %s) is logged and counted, and the digest is kept', async (status, body) => {
    const h = (started.h = await workerHarness({ tokens: 2 }));
    const worker = await h.startWorker();
    h.slack.respond = () => ({ status, body });
    expect((await h.trigger()).code).toBe(4);
    expect(h.slack.posts.length).toBe(1); // not retried
    expect(h.logs.text()).toContain(
      `Slack refused the webhook of route \\"default\\"; its messages are kept and retried with the next run: Slack rejected the message: HTTP ${status} ${body}`,
    );
    const metrics = await (await fetch(`http://127.0.0.1:${worker.healthPort}/metrics`)).text();
    expect(metrics).toMatch(/^token_audit_slack_failures_total\{kind="rejected"\} 1$/m);
    expect(await h.redis.llen(`${h.prefix}:alerts:outbox`)).toBe(1);

    h.slack.respond = () => ({ status: 200, body: 'ok' }); // the channel is fixed
    expect((await h.trigger()).code).toBe(0);
    expect(h.slack.accepted().length).toBe(1);
    expect(h.slack.accepted()[0]?.raw).toContain('*New* (2)');
  });

  it('goes blind loudly: a tenth of the tokens failing is a coverage gap in Slack and /metrics; an overdue run shows as stale', async () => {
    const h = (started.h = await workerHarness({ tokens: 10 }));
    const worker = await h.startWorker();
    const metrics = async () => (await fetch(`http://127.0.0.1:${worker.healthPort}/metrics`)).text();
    expect(await metrics()).toMatch(/^token_audit_coverage_gaps 0$/m);
    h.gcore.scripts.set('/iam/v2/clients/456/tokens/101', () => ({ status: 503, body: '{}' }));
    h.gcore.scripts.set('/iam/v2/clients/456/tokens/102', () => ({ status: 503, body: '{}' }));
    const run = await h.trigger();
    expect(run.report?.coverage).toEqual([
      'account 456: 2 of its 10 tokens (20%) could not be read (GET /iam/v2/clients/456/tokens/101 failed after 2 attempt(s): HTTP 503)',
    ]);
    expect(h.slack.accepted()[0]?.raw).toContain('coverage-gap (high): 1 account*');
    expect(h.slack.accepted()[0]?.raw).toContain('account 456 · Not fully audited: 2 of its 10 tokens (20%) could not be read');
    expect(await metrics()).toMatch(/^token_audit_coverage_gaps 1$/m);
    expect(await metrics()).toMatch(/^token_audit_last_success_stale 0$/m);
    h.now = new Date(h.now.getTime() + 49 * 3_600_000); // schedule: daily; nothing ran for 49 h
    expect(await metrics()).toMatch(/^token_audit_last_success_stale 1$/m);
  });
});
