import type { AlertState } from '../../src/alerts/alert-state.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { makeReportHandler, type ReportJobDeps } from '../../jobs/report-job.js';
import { planAlerts } from '../../src/alerts/plan-alerts.js';
import { loadConfig } from '../../src/config/load-config.js';
import { findingId } from '../../src/core/finding.js';
import { coverageGaps } from '../../src/core/coverage.js';
import { createLogger } from '../../src/core/logger.js';
import { buildReport, type AccountResult, type TokenResult } from '../../src/core/report.js';
import { seenChanges } from '../../src/run/seen-changes.js';
import type { ParentJob } from '../../src/store/job-catalogue.js';
import { routeDigests } from '../../src/alerts/slack/digest-messages.js';
import { createAlertStateStore } from '../../src/store/alert-state-store.js';
import { createRunCommitter, type RunCommit, type SeenChange } from '../../src/store/commit-run.js';
import { createOutboxStore } from '../../src/store/outbox-store.js';
import { createRunStore } from '../../src/store/run-store.js';
import { childPages } from '../support/child-pages.js';
import { finding } from '../support/findings.js';
import { logSink } from '../support/log-sink.js';
import { testRedis } from '../support/store-fixtures.js';

const { redis, prefix: base } = testRedis();
const queues: Queue[] = [];
const connections: Redis[] = [];
afterAll(async () => {
  await Promise.all(queues.map((q) => q.close()));
  await Promise.all([...connections, redis].map((c) => c.quit()));
});

const dir = mkdtempSync(join(tmpdir(), 'report-stream-'));
writeFileSync(join(dir, 'audit.yaml'), 'accounts: [{ clientId: 456 }, { clientId: 789 }, { clientId: 1011 }]\n');
const config = loadConfig(join(dir, 'audit.yaml'), {});
const logger = createLogger({ level: 'warn', destination: logSink() });
const NOW = new Date('2026-11-29T12:00:00.000Z');
const accounts: AccountResult[] = [456, 789, 1011].map((clientId) => ({ clientId, label: `account ${clientId}`, error: null }));

const stale = (clientId: number, tokenId: number) =>
  finding(tokenId, 'stale', 'medium', { clientId, id: findingId(clientId, tokenId, 'stale') });
const snapshot = { expDate: null, expired: false, deleted: false, lastUsage: '2026-11-28T00:00:00.000Z', issuerDeleted: false, inInventory: true };

const forever = (clientId: number, tokenId: number) =>
  finding(tokenId, 'never-expiring-admin', 'high', { clientId, id: findingId(clientId, tokenId, 'never-expiring-admin') });
const oldUse = { ...snapshot, lastUsage: '2026-01-01T00:00:00.000Z' };

/** 3,000 tokens: the first run finds tokens 1–300 of each account stale, and 401–420 stale and never expiring. */
const TOKENS = 1000;
function firstRun(): TokenResult[] {
  return [456, 789, 1011].flatMap((c) =>
    Array.from({ length: TOKENS }, (_, i): TokenResult => {
      const t = i + 1;
      if (t > 400 && t <= 420) {return { clientId: c, tokenId: t, status: 'audited', findings: [stale(c, t), forever(c, t)], snapshot: oldUse };}
      return t <= 300 ? { clientId: c, tokenId: t, status: 'audited', findings: [stale(c, t)], snapshot } : { clientId: c, tokenId: t, status: 'audited', findings: [], snapshot };
    }),
  );
}

/**
 * The second run: tokens 1–100 were used again (resolve), 101–200 are still stale, 201–300 failed (kept
 * open); in 789, 150 failures make a coverage gap; 1011's key was refused for 5 tokens; a few tokens are gone.
 * 401–410 were used again and still never expire (one of two findings resolves), 411–420 are as they were.
 */
function secondRun(): TokenResult[] {
  return [456, 789, 1011].flatMap((c) =>
    Array.from({ length: TOKENS }, (_, i): TokenResult => {
      const t = i + 1;
      if (t > 400 && t <= 410) {return { clientId: c, tokenId: t, status: 'audited', findings: [forever(c, t)], snapshot };}
      if (t > 410 && t <= 420) {return { clientId: c, tokenId: t, status: 'audited', findings: [stale(c, t), forever(c, t)], snapshot: oldUse };}
      if (t <= 100) {return { clientId: c, tokenId: t, status: 'audited', findings: [], snapshot };}
      if (t <= 200) {return { clientId: c, tokenId: t, status: 'audited', findings: [stale(c, t)], snapshot };}
      if (t <= 300 || (c === 789 && t <= 350)) {
        return { clientId: c, tokenId: t, status: 'failed', findings: [finding(t, 'audit-failed', 'high', { clientId: c, id: findingId(c, t, 'audit-failed'), message: 'Could not be audited: HTTP 500.' })] };
      }
      if (c === 1011 && t > 995) {return { clientId: c, tokenId: t, status: 'failed', findings: [], refused: 'its API key was refused (HTTP 401)' };}
      if (t % 97 === 0) {return { clientId: c, tokenId: t, status: 'gone', findings: [] };}
      return { clientId: c, tokenId: t, status: 'audited', findings: [], snapshot };
    }),
  );
}

function deps(prefix: string, commits: RunCommit[], overrides: Partial<ReportJobDeps> = {}): ReportJobDeps {
  const committer = createRunCommitter(redis, prefix);
  return {
    config,
    states: createAlertStateStore(redis, prefix),
    runs: createRunStore(redis, prefix),
    outbox: createOutboxStore(redis, prefix),
    committer: {
      ...committer,
      commitRun: (input) => {
        commits.push(input);
        return committer.commitRun(input);
      },
    },
    // No route: nothing is delivered, the commit is what is compared.
    notifiers: new Map(),
    clock: () => NOW,
    logger,
    redact: (text) => text,
    busy: () => new Error('busy'),
    permanent: (error) => error,
    ...overrides,
  };
}

const data = (runKey: string) => ({
  runKey,
  startedAt: NOW.toISOString(),
  evaluatedAt: NOW.toISOString(),
  accounts,
  listed: [456, 789],
});

/** A real BullMQ parent job whose processed children (as BullMQ writes them) are `results`. */
async function bullmqParent(prefix: string, runKey: string, results: readonly TokenResult[]) {
  const connection = redis.duplicate();
  connections.push(connection);
  const queue = new Queue('stream', { connection, prefix });
  queues.push(queue);
  const added = await queue.add('report', data(runKey), { jobId: `report-${runKey}` });
  const processed = `${prefix}:stream:${added.id}:processed`;
  const fields = results.flatMap((r) => [`${prefix}:stream:token-${runKey}-${r.clientId}-${r.tokenId}`, JSON.stringify(r)]);
  for (let i = 0; i < fields.length; i += 1000) {
    await redis.hset(processed, ...fields.slice(i, i + 1000));
  }
  const job = await Job.fromId(queue, added.id ?? '');
  if (!job) {throw new Error('the parent job is not in Redis');}
  let reads = 0;
  let largest = 0;
  const parent: ParentJob = {
    id: job.id,
    name: 'report',
    attemptsStarted: 1,
    data: data(runKey),
    getDependencies: async (opts) => {
      reads += 1;
      const page = await job.getDependencies(opts);
      largest = Math.max(largest, Object.keys(page.processed ?? {}).length);
      return page;
    },
    getIgnoredChildrenFailures: () => job.getIgnoredChildrenFailures(),
  };
  return { parent, reads: () => reads, largest: () => largest };
}

/** What the report job committed before streaming: every result in hand, as getChildrenValues gave them. */
function unpaged(states: Awaited<ReturnType<ReturnType<typeof createAlertStateStore>['load']>>, results: TokenResult[], runKey: string) {
  const report = buildReport({ runId: runKey, startedAt: NOW, finishedAt: NOW, now: NOW, accounts, results, mutes: config.mutes, more: [] });
  const settings = config.notify.slack;
  const plan = planAlerts(states.states, report.findings, { results }, { now: NOW, minSeverity: settings.minSeverity, renotifyAfterHours: settings.renotifyAfterHours, routes: settings.routes });
  const digests = routeDigests(plan, { stateless: false, runId: runKey, trigger: 'schedule', now: NOW, settings, notes: [], listing: 'findings' });
  return {
    report,
    version: states.version,
    counts: plan.counts,
    upserts: plan.upserts,
    resolvedIds: plan.resolvedKeys,
    digests,
    openCounts: plan.open.byRule,
    gapKeys: coverageGaps(accounts, results).map((g) => g.key),
    seen: seenChanges([456, 789], results),
  };
}

const byKey = (states: Iterable<AlertState>) => [...states].sort((a, b) => a.key.localeCompare(b.key));
const sortedSeen = (seen: RunCommit['seen']) =>
  [...(seen ?? new Map<number, SeenChange>())].map(([c, s]) => [c, [...s.present].sort((a, b) => a - b), [...s.gone].sort((a, b) => a - b)]);

describe('report job: results streamed in pages (real Redis, real BullMQ)', () => {
  it('commits exactly what reading every result at once did, reading 3,000 results in many small pages', async () => {
    const prefix = `${base}-stream`;
    const commits: RunCommit[] = [];
    const first = firstRun();
    await makeReportHandler(deps(prefix, commits))({ id: 'report-run-1', name: 'report', attemptsStarted: 1, data: data('run-1'), ...childPages(first), getIgnoredChildrenFailures: () => Promise.resolve({}) });
    const before = await createAlertStateStore(redis, prefix).load();
    expect(before.states.size).toBe(900 + 120);

    const second = secondRun();
    const expected = unpaged(before, second, 'run-2');
    const { parent, reads, largest } = await bullmqParent(prefix, 'run-2', second);
    await makeReportHandler(deps(prefix, commits, { resultPageSize: 100 }))(parent);

    const got = commits[1];
    if (!got) {throw new Error('run-2 did not commit');}
    // The report as committed: its findings written a page at a time ahead of it, read back in the report's order.
    expect((await createRunStore(redis, prefix).getRun('run-2'))?.report).toEqual(expected.report);
    expect(got.version).toBe(expected.version);
    expect(got.counts).toEqual(expected.counts);
    // The states written: staged a page at a time (planned in pages) or passed whole, the same states in the end.
    const after = await createAlertStateStore(redis, prefix).load();
    const expectedAfter = new Map(before.states);
    expected.resolvedIds.forEach((k) => expectedAfter.delete(k));
    expected.upserts.forEach((u) => expectedAfter.set(u.key, u));
    expect(byKey(after.states.values())).toEqual(byKey(expectedAfter.values()));
    expect([...got.resolvedIds].sort()).toEqual([...expected.resolvedIds].sort());
    expect(got.digests).toEqual(expected.digests);
    expect(got.openCounts).toEqual(expected.openCounts);
    expect(got.gapKeys).toEqual(expected.gapKeys);
    expect(sortedSeen(got.seen)).toEqual(sortedSeen(expected.seen));
    // The run's facts, so equality above is not of two empty plans.
    expect(got.report.summary.tokensAudited).toBe(3000 - 300 - 50 - 5);
    expect(got.resolvedIds).toHaveLength(300 + 30);
    // A token that keeps one finding and loses another: the lost one resolves (not held open for want of its result).
    expect(got.resolvedIds).toEqual(expect.arrayContaining([456, 789, 1011].map((c) => `default/${findingId(c, 405, 'stale')}`)));
    expect(got.gapKeys).toEqual(['789:failures', '1011:key', '1011:failures']);
    // Never every result in one read: many pages, none near the whole run.
    expect(reads()).toBeGreaterThan(10);
    expect(largest()).toBeLessThan(1000);
  });

  it('a result repeated across pages (HSCAN may return one twice) counts once', async () => {
    const prefix = `${base}-dup`;
    const commits: RunCommit[] = [];
    const results = secondRun().slice(0, 400);
    const pages = childPages([...results, ...results.slice(0, 150)]);
    await makeReportHandler(deps(prefix, commits, { resultPageSize: 64 }))({ id: 'report-dup', name: 'report', attemptsStarted: 1, data: data('dup'), ...pages, getIgnoredChildrenFailures: () => Promise.resolve({}) });
    const expected = unpaged({ states: new Map(), version: 0 }, results, 'dup');
    expect((await createRunStore(redis, prefix).getRun('dup'))?.report).toEqual(expected.report);
    expect(pages.reads()).toBe(Math.ceil(550 / 64));
  });

  it('a commit refused for another run\'s states reads the pages again for the tokens those states name, and resolves them', async () => {
    const prefix = `${base}-replan`;
    const commits: RunCommit[] = [];
    const real = createAlertStateStore(redis, prefix);
    // Run B commits a finding on token 7 after run A read the states (and its results) but before A commits.
    let first = true;
    const runB = async () => {
      if (first) {
        first = false;
        const b = [{ clientId: 456, tokenId: 7, status: 'audited', findings: [stale(456, 7)], snapshot: { ...snapshot, lastUsage: '2026-01-01T00:00:00.000Z' } }] satisfies TokenResult[];
        await makeReportHandler(deps(prefix, []))({ id: 'report-b', name: 'report', attemptsStarted: 1, data: data('run-b'), ...childPages(b), getIgnoredChildrenFailures: () => Promise.resolve({}) });
      }
    };
    // Run A's first look at the states (a scan, or a load when planned whole) is of the version before B's commit.
    const states: ReportJobDeps['states'] = {
      gapKeys: () => real.gapKeys(),
      getMany: (keys, shared) => real.getMany(keys, shared),
      async load(shared) {
        const loaded = await real.load(shared);
        await runB();
        return loaded;
      },
      async scan(each) {
        const version = await real.scan(each);
        await runB();
        return version;
      },
    };
    const a = Array.from({ length: 300 }, (_, i): TokenResult => ({ clientId: 456, tokenId: i + 1, status: 'audited', findings: [], snapshot }));
    const pages = childPages(a);
    await makeReportHandler(deps(prefix, commits, { states, resultPageSize: 50 }))({ id: 'report-a', name: 'report', attemptsStarted: 1, data: data('run-a'), ...pages, getIgnoredChildrenFailures: () => Promise.resolve({}) });
    expect(commits).toHaveLength(2); // refused once, then committed
    expect(commits[1]?.resolvedIds).toEqual([`default/${findingId(456, 7, 'stale')}`]);
    expect((await real.load()).states.size).toBe(0);
    expect(pages.reads()).toBe(2 * 6);
  });

  it('a reminder that falls due reminds every told finding, however many pages the findings take (a second pass reminds them)', async () => {
    const prefix = `${base}-due`;
    const commits: RunCommit[] = [];
    const hours = (h: number) => new Date(NOW.getTime() - h * 3_600_000);
    const run = async (id: string, at: Date, tokens: number) => {
      const results = Array.from({ length: tokens }, (_, i): TokenResult => ({ clientId: 456, tokenId: i + 1, status: 'audited', findings: [stale(456, i + 1)], snapshot: oldUse }));
      const handler = makeReportHandler(deps(prefix, commits, { clock: () => at, planPageSize: 2 }));
      await handler({ id: `report-${id}`, name: 'report', attemptsStarted: 1, data: { ...data(id), startedAt: at.toISOString(), evaluatedAt: at.toISOString() }, ...childPages(results), getIgnoredChildrenFailures: () => Promise.resolve({}) });
    };
    await run('due-1', hours(170), 1); // token 1 told 170 hours before NOW
    await run('due-2', hours(3), 10); // tokens 2–10 told 3 hours before; token 1 (167 hours) not due yet
    expect(commits[1]?.digests[0]?.messages.map((m) => m.text).join(' ')).toContain('9 new');
    await run('due-3', NOW, 10); // token 1 is due (renotifyAfterHours 168): every told finding is reminded with it
    const states = [...(await createAlertStateStore(redis, prefix).load()).states.values()];
    expect(states.map((s) => s.lastNotified)).toEqual(Array.from({ length: 10 }, () => NOW.toISOString()));
    expect(commits[2]?.counts).toEqual({ new: 0, resolved: 0, open: 10 });
  });
});
