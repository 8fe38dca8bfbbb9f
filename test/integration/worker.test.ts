import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { RUNS_QUEUE, SCHEDULER_ID } from '../../src/store/job-catalogue.js';
import { gcoreToken } from '../support/gcore-stand-in.js';
import { tokenReads, workerHarness, type Harness } from '../support/worker-harness.js';
import { dumpPrefix } from '../support/store-fixtures.js';
import { until } from '../support/worker-process.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const HOUR = 3_600_000;

// The stand-in's tokens break never-expiring (medium): tell medium findings token by token, as most tests look for them.
const DETAIL_MEDIUM = 'gcore: { concurrency: 4, retries: 1 }\naccounts: [{ clientId: 456 }]\nnotify: { slack: { detailSeverity: medium } }\n';

describe('worker', () => {
  it('declares the schedule once however many workers start, and a changed cron replaces it', async () => {
    h = await workerHarness();
    await Promise.all([h.startWorker(), h.startWorker()]);
    const queue = new Queue(RUNS_QUEUE, { connection: h.redis, prefix: h.prefix });
    try {
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => [s.key, s.pattern, s.tz])).toEqual([[SCHEDULER_ID, '0 7 * * *', 'UTC']]);

      const { writeFileSync } = await import('node:fs');
      writeFileSync(h.configPath, 'schedule: { cron: "30 6 * * 1-5", timezone: Europe/Luxembourg }\naccounts: [{ clientId: 456 }]\nsentinel: false\n');
      await h.startWorker();
      const after = await queue.getJobSchedulers();
      expect(after.map((s) => [s.key, s.pattern, s.tz])).toEqual([[SCHEDULER_ID, '30 6 * * 1-5', 'Europe/Luxembourg']]);
    } finally {
      await queue.close();
    }
  });

  it("lists passing tokens in the evidence folder's tokens.csv too: read again from Redis, page by page, after the commit", async () => {
    const evidence = mkdtempSync(join(tmpdir(), 'worker-evidence-'));
    h = await workerHarness({ tokens: 3, config: `${DETAIL_MEDIUM}evidence: { dir: ${JSON.stringify(evidence)} }\n` });
    h.gcore.accounts.get(456)?.set(103, gcoreToken(103)); // healthy: no finding, so the report job keeps no result of it
    await h.startWorker();
    const run = await h.trigger();
    expect(run.report?.findings.map((f) => f.tokenId)).toEqual([101, 102]);
    const rows = readFileSync(join(evidence, run.report?.runId ?? '', 'tokens.csv'), 'utf8').split('\r\n').filter((l) => l.startsWith('456,'));
    expect(rows.map((l) => l.split(',')[2]).sort()).toEqual(['101', '102', '103']);
    expect(rows.filter((l) => /,pass(,|$)/.test(l))).toHaveLength(1);
  });

  it('audits each of N tokens in its own job and posts one digest; an unchanged second run posts nothing', async () => {
    const evidence = mkdtempSync(join(tmpdir(), 'worker-evidence-'));
    h = await workerHarness({ tokens: 7, config: `${DETAIL_MEDIUM}evidence: { dir: ${JSON.stringify(evidence)} }\n` });
    await h.startWorker();
    const first = await h.trigger();
    expect(first.code).toBe(0);
    expect(first.report?.summary.tokensAudited).toBe(7);
    // The committed run's evidence folder: its findings new to the worker, every token in tokens.csv.
    const folder = join(evidence, first.report?.runId ?? '');
    expect(readFileSync(join(folder, 'findings.csv'), 'utf8').match(/,never-expiring,medium,new,/g)).toHaveLength(7);
    expect(readFileSync(join(folder, 'tokens.csv'), 'utf8').split('\r\n').filter((l) => /^456,,\d+,token-\d+,Users,/.test(l))).toHaveLength(7);
    expect(first.report?.findings.map((f) => f.rule)).toEqual(Array(7).fill('never-expiring'));
    expect([...tokenReads(h.gcore).values()]).toEqual(Array(7).fill(1));
    expect(h.slack.accepted().length).toBe(1);
    const digest = h.slack.accepted()[0]?.raw ?? '';
    expect(digest).toContain('*New* (7)');
    for (let id = 101; id <= 107; id += 1) {
      expect(digest).toContain(`(token ${id})`);
    }

    const second = await h.trigger();
    expect(second.code).toBe(0);
    expect(second.report?.summary.findings).toBe(7);
    expect(h.slack.posts.length).toBe(1);
  });

  it('holds gcore.concurrency across replicas, and concurrencyPerWorker within each', async () => {
    h = await workerHarness({ tokens: 40, config: 'gcore: { concurrency: 3 }\naccounts: [{ clientId: 456 }]\n' });
    h.gcore.latencyMs = 40;
    await Promise.all([h.startWorker(), h.startWorker()]);
    expect((await h.trigger()).report?.summary.tokensAudited).toBe(40);
    expect(h.gcore.maxInFlight).toBe(3); // two replicas of 3 each, but 3 in all

    await h.close();
    h = await workerHarness({ tokens: 40, config: 'gcore: { concurrency: 8, concurrencyPerWorker: 2 }\naccounts: [{ clientId: 456 }]\n' });
    h.gcore.latencyMs = 40;
    await h.startWorker();
    expect((await h.trigger()).report?.summary.tokensAudited).toBe(40);
    expect(h.gcore.maxInFlight).toBe(2);
  });

  it('posts a resolution, and a reminder once the interval has passed', async () => {
    h = await workerHarness({ tokens: 3, config: DETAIL_MEDIUM });
    await h.startWorker();
    await h.trigger();
    expect(h.slack.accepted().length).toBe(1);

    // token 101 gets an expiry date: its finding is resolved
    h.gcore.accounts.get(456)?.set(101, gcoreToken(101, { exp_date: '2027-03-01T00:00:00.000000Z' }));
    await h.trigger();
    expect(h.slack.accepted().length).toBe(2);
    const resolution = h.slack.accepted()[1]?.raw ?? '';
    expect(resolution).toContain('*Resolved* (1)');
    expect(resolution).toContain('(token 101)');
    expect(resolution).not.toContain('(token 102)');

    h.now = new Date(h.now.getTime() + 167 * HOUR);
    await h.trigger();
    expect(h.slack.accepted().length).toBe(2); // not yet: 168 h by default

    h.now = new Date(h.now.getTime() + 2 * HOUR);
    await h.trigger();
    expect(h.slack.accepted().length).toBe(3);
    const reminder = h.slack.accepted()[2]?.raw ?? '';
    expect(reminder).toContain('*Still open (reminder)* (2)');
    expect(reminder).toContain('never-expiring (medium): 2 open, the oldest for 7 days');
    expect(reminder).toContain('0 new · 0 resolved · 2 open (0 critical, 0 high)');
  });

  it('does not resolve the findings of a token that failed in this run', async () => {
    h = await workerHarness({ tokens: 2, config: DETAIL_MEDIUM });
    await h.startWorker();
    await h.trigger();
    expect(h.slack.accepted().length).toBe(1);

    h.gcore.scripts.set('/iam/v2/clients/456/tokens/101', () => ({ status: 503, body: '{}' }));
    const run = await h.trigger();
    // one of two tokens unread: the account is a coverage gap too
    expect(run.report?.findings.map((f) => `${f.tokenId}:${f.rule}`).sort()).toEqual(['101:audit-failed', '102:never-expiring', 'null:coverage-gap']);
    expect(h.slack.accepted().length).toBe(2);
    const digest = h.slack.accepted()[1]?.raw ?? '';
    expect(digest).toContain('audit-failed');
    expect(digest).toContain('coverage-gap');
    expect(digest).not.toContain('Resolved');

    // and once it can be read again, its audit-failed finding is what resolves, not its never-expiring one
    h.gcore.scripts.clear();
    await h.trigger();
    const after = h.slack.accepted()[2]?.raw ?? '';
    expect(after).toContain('*Resolved* (2)');
    expect(after).toContain('audit-failed: audited again');
    expect(after).toContain('coverage-gap: coverage restored');
    expect(after).not.toContain('*New*');
  });

  it('does not resolve findings of an account whose listing failed, and says once that it went blind', async () => {
    h = await workerHarness({ tokens: 2 });
    await h.startWorker();
    await h.trigger();
    h.gcore.scripts.set('/iam/v2/clients/456/tokens', () => ({ status: 500, body: '{}' }));
    const run = await h.trigger();
    expect(run.report?.coverage).toEqual(['account 456: could not list tokens: GET /iam/v2/clients/456/tokens failed after 2 attempt(s): HTTP 500']);
    expect(h.slack.accepted().length).toBe(2);
    const digest = h.slack.accepted()[1]?.raw ?? '';
    expect(digest).toContain('coverage-gap (high): 1 account*');
    expect(digest).toContain('account 456 · Not fully audited: could not list tokens');
    expect(digest).not.toContain('Resolved');
    await h.trigger(); // the same gap again: not news
    expect(h.slack.accepted().length).toBe(2);
    h.gcore.scripts.clear(); // the listing works again: the gap resolves
    await h.trigger();
    expect(h.slack.accepted().length).toBe(3);
    expect(h.slack.accepted()[2]?.raw).toContain('coverage-gap: coverage restored');
  });
});

describe('worker under faults', () => {
  it('pauses the token queue on Gcore 429 with Retry-After, and nothing that later succeeds counts as failed', async () => {
    h = await workerHarness({ tokens: 6 });
    await h.startWorker();
    const limitedUntil = Date.now() + 1500;
    const at: number[] = [];
    for (let id = 101; id <= 106; id += 1) {
      h.gcore.scripts.set(`/iam/v2/clients/456/tokens/${id}`, () => {
        at.push(Date.now());
        return Date.now() < limitedUntil ? { status: 429, body: '{"detail":"slow down"}', headers: { 'retry-after': '1' } } : undefined;
      });
    }
    const run = await h.trigger();
    expect(run.code).toBe(0);
    expect(run.report?.summary).toMatchObject({ tokensAudited: 6, failed: 0 });
    expect(run.report?.findings.every((f) => f.rule === 'never-expiring')).toBe(true);
    // Paused, not hammering: each 429 stops the whole queue for a second, so few requests fit in the stretch.
    const during = at.filter((t) => t < limitedUntil).length;
    expect(during).toBeLessThanOrEqual(12);
  });

  it('keeps an undelivered digest in Redis and resumes it after the last accepted message, without posting twice', async () => {
    h = await workerHarness({ tokens: 90, config: DETAIL_MEDIUM }); // 90 tokens told one by one: a digest of two messages
    await h.startWorker();
    // The first message goes through; then Slack fails (every attempt of the notifier) for a while.
    let failuresLeft = 4;
    h.slack.respond = (n) => (n === 1 ? { status: 200, body: 'ok' } : failuresLeft-- > 0 ? { status: 503, body: 'service_unavailable' } : { status: 200, body: 'ok' });
    const run = await h.trigger();
    expect(run.code).toBe(4); // not delivered (yet)
    expect(h.slack.accepted().map((p) => p.body.text)).toEqual(['Gcore token audit: 90 new · 0 resolved · 90 open (0 critical, 0 high) (1/2)']);

    // BullMQ retries the report job: it delivers the rest, from message 2.
    const { until } = await import('../support/worker-process.js');
    await until(() => Promise.resolve((h?.slack.accepted().length ?? 0) >= 2), 15_000, 'the rest of the digest');
    expect(h.slack.accepted().map((p) => p.body.text)).toEqual([
      'Gcore token audit: 90 new · 0 resolved · 90 open (0 critical, 0 high) (1/2)',
      'Gcore token audit: 90 new · 0 resolved · 90 open (0 critical, 0 high) (2/2)',
    ]);

    // a later run has nothing new and nothing left in the outbox
    const again = await h.trigger();
    expect(again.code).toBe(0);
    expect(h.slack.accepted().length).toBe(2);
    expect(await h.redis.llen(`${h.prefix}:alerts:outbox`)).toBe(0);
  });
});

describe('worker state and delivery', () => {
  it('reads each known token a list leaves out (an empty 200 []) instead of resolving it; resolves it once the read says gone', async () => {
    h = await workerHarness({ tokens: 3 });
    await h.startWorker();
    await h.trigger();
    expect(h.slack.accepted().length).toBe(1);

    h.gcore.scripts.set('/iam/v2/clients/456/tokens', () => ({ status: 200, body: '[]' }));
    const blind = await h.trigger();
    expect(blind.code).toBe(0);
    expect([...tokenReads(h.gcore).values()]).toEqual([2, 2, 2]);
    expect(blind.report?.findings.map((f) => f.tokenId).sort()).toEqual([101, 102, 103]);
    expect(h.slack.accepted().length).toBe(1); // nothing resolved, so nothing posted

    h.gcore.accounts.get(456)?.delete(101); // now really deleted: the read says 404
    await h.trigger();
    expect(h.slack.accepted().length).toBe(2);
    const resolution = h.slack.accepted()[1]?.raw ?? '';
    expect(resolution).toContain('Resolved');
    expect(resolution).toContain('(token 101)');

    h.gcore.scripts.clear();
    await h.trigger();
    expect(h.slack.accepted().length).toBe(2); // the normal list again: nothing new
  });

  it('leaves no webhook path in any Redis value when Slack answers 403 echoing the request line', async () => {
    h = await workerHarness({ tokens: 2 });
    const path = new URL(h.slack.webhookUrl).pathname;
    h.slack.respond = () => ({ status: 403, body: `Denied: POST https://hooks.slack.com${path} HTTP/1.1` });
    await h.startWorker();
    const run = await h.trigger();
    expect(run.code).toBe(4);
    const failed = new Queue(RUNS_QUEUE, { connection: h.redis, prefix: h.prefix });
    try {
      await until(async () => (await failed.getFailedCount()) > 0, 10_000, 'the report job to be stored as failed');
      const [job] = await failed.getFailed();
      expect(job?.failedReason).toContain('Denied: POST [REDACTED]');
    } finally {
      await failed.close();
    }
    const dump = await dumpPrefix(h.redis, h.prefix);
    expect(dump).toContain('Denied: POST');
    expect(dump).not.toContain('XXXXsecretXXXX');
    expect(dump).not.toContain('/services/');
    expect(h.logs.text()).not.toContain('XXXXsecretXXXX');
  });

  it('close() during a delivery releases the outbox claim: another worker delivers at once', async () => {
    h = await workerHarness({ tokens: 2 });
    h.slack.respond = (n) => (n === 1 ? { status: 429, body: 'rate_limited', headers: { 'retry-after': '30' } } : { status: 200, body: 'ok' });
    const first = await h.startWorker();
    const run = h.trigger();
    await until(() => Promise.resolve((h?.slack.posts.length ?? 0) >= 1), 15_000, 'the first delivery attempt');
    await first.close();
    expect(await h.redis.exists(`${h.prefix}:alerts:outbox-lock`)).toBe(0);
    await h.startWorker();
    await until(() => Promise.resolve((h?.slack.accepted().length ?? 0) >= 1), 10_000, 'delivery by the second worker');
    expect(h.slack.accepted().length).toBe(1);
    expect((await run).code).toBe(4); // the run ended undelivered when the first worker stopped
  });
});

