import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { deliverOutbox, makeReportHandler, type ReportJobDeps } from '../../jobs/report-job.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/core/logger.js';
import type { TokenResult } from '../../src/core/report.js';
import type { ParentJob } from '../../src/store/job-catalogue.js';
import { childPages } from '../support/child-pages.js';
import { createAlertStateStore, type AlertStateStore } from '../../src/store/alert-state-store.js';
import { createRunCommitter } from '../../src/store/commit-run.js';
import { createOutboxStore } from '../../src/store/outbox-store.js';
import { createRunStore } from '../../src/store/run-store.js';
import { DEFAULT_ROUTE } from '../../src/store/store-keys.js';
import { createSlackNotifier } from '../../src/alerts/slack/slack-notifier.js';
import { finding } from '../support/findings.js';
import { logSink } from '../support/log-sink.js';
import { startSlackStandIn, type SlackStandIn } from '../support/slack-stand-in.js';
import { commitOf, testRedis } from '../support/store-fixtures.js';

const { redis, prefix: base } = testRedis();
afterAll(() => redis.quit());
let n = 0;
const fresh = () => `${base}-${(n += 1)}`;
let slack: SlackStandIn;
beforeEach(async () => {
  slack = await startSlackStandIn();
});
afterEach(() => slack.close());

const dir = mkdtempSync(join(tmpdir(), 'report-job-'));
writeFileSync(join(dir, 'audit.yaml'), 'accounts: [{ clientId: 456 }]\n');
const config = loadConfig(join(dir, 'audit.yaml'), {});
const logs = logSink();
const logger = createLogger({ level: 'info', destination: logs });

class BusyError extends Error {}

function deps(prefix: string, overrides: Partial<ReportJobDeps> = {}): ReportJobDeps {
  return {
    config,
    states: createAlertStateStore(redis, prefix),
    runs: createRunStore(redis, prefix),
    outbox: createOutboxStore(redis, prefix),
    committer: createRunCommitter(redis, prefix),
    notifiers: new Map([[DEFAULT_ROUTE, createSlackNotifier({ webhookUrl: slack.webhookUrl, minIntervalMs: 0, baseDelayMs: 1 })]]),
    clock: () => new Date('2026-11-29T12:00:00.000Z'),
    logger,
    redact: (text) => text,
    busy: () => new BusyError('busy'),
    permanent: (error) => error,
    ...overrides,
  };
}

/** A report job whose one token job found `results`. */
function reportJob(runKey: string, results: TokenResult[]): ParentJob {
  return {
    id: `report-${runKey}`,
    name: 'report',
    attemptsStarted: 1,
    data: { runKey, startedAt: '2026-11-29T12:00:00.000Z', evaluatedAt: '2026-11-29T12:00:00.000Z', accounts: [{ clientId: 456, label: 'account 456', error: null }] },
    getDependencies: childPages(results).getDependencies,
    getIgnoredChildrenFailures: () => Promise.resolve({}),
  };
}

/** The first `parties` loads return only once all of them have read: every run plans from the same state. */
/** The store, its first `parties` looks at the states (scan or load) held until all of them have looked: they plan from the same version. */
function sameState(real: AlertStateStore, parties: number): Pick<AlertStateStore, 'load' | 'scan' | 'getMany' | 'gapKeys'> {
  let left = parties;
  const waiting: (() => void)[] = [];
  const together = async <T>(read: T): Promise<T> => {
    if (left > 0) {
      left -= 1;
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length === parties) {
          waiting.forEach((w) => w());
        }
      });
    }
    return read;
  };
  return {
    gapKeys: () => real.gapKeys(),
    getMany: (keys, shared) => real.getMany(keys, shared),
    load: async (shared) => together(await real.load(shared)),
    scan: async (each) => together(await real.scan(each)),
  };
}

const fresh101: TokenResult = { clientId: 456, tokenId: 101, status: 'audited', findings: [finding(101)] };
const mentions101 = () => slack.accepted().filter((p) => p.raw.includes('token-101')).length;

describe('report job (real Redis)', () => {
  it('150 runs leave at most runs.keep reports, the newest', async () => {
    const prefix = fresh();
    const keepDir = mkdtempSync(join(tmpdir(), 'report-job-keep-'));
    writeFileSync(join(keepDir, 'audit.yaml'), 'accounts: [{ clientId: 456 }]\nruns: { keep: 4 }\n');
    const handler = makeReportHandler(deps(prefix, { config: loadConfig(join(keepDir, 'audit.yaml'), {}) }));
    for (let i = 1; i <= 150; i += 1) {
      const job = reportJob(`run-${i}`, []);
      const startedAt = new Date(Date.parse('2026-11-29T00:00:00.000Z') + i * 1000).toISOString();
      await handler({ ...job, data: { ...job.data, startedAt } });
    }
    const kept = (await createRunStore(redis, prefix).listRuns(1000)).map((r) => r.runId);
    expect(kept).toEqual(['run-150', 'run-149', 'run-148', 'run-147']);
    expect(await redis.keys(`${prefix}:alerts:run:*`)).toHaveLength(4);
  });

  it("records the run's trigger from its data, whatever its key says; a job without one (older version) falls back to its key", async () => {
    const prefix = fresh();
    const handler = makeReportHandler(deps(prefix));
    const manual = reportJob('repeat-audit-schedule-1', []);
    await handler({ ...manual, data: { ...manual.data, trigger: 'manual' } });
    const scheduled = reportJob('manual-looking-key', []);
    await handler({ ...scheduled, data: { ...scheduled.data, trigger: 'schedule', startedAt: '2026-11-29T12:00:01.000Z' } });
    await handler(reportJob('manual-old', []));
    const trigger = new Map((await createRunStore(redis, prefix).listRuns(10)).map((r) => [r.runId, r.trigger]));
    expect(Object.fromEntries(trigger)).toEqual({ 'repeat-audit-schedule-1': 'manual', 'manual-looking-key': 'schedule', 'manual-old': 'manual' });
  });

  it("puts the directory's problem and the issuer rules not evaluated in the run's warnings", async () => {
    const prefix = fresh();
    const problem = 'issuers.directory: hr.example.com: HTTP 503; the issuer rules that need it are not evaluated';
    const results: TokenResult[] = [{ ...fresh101, notEvaluated: ['issuer-dormant'] }, { clientId: 456, tokenId: 102, status: 'audited', findings: [] }];
    await makeReportHandler(deps(prefix, { directory: { problem } }))(reportJob('r-issuers', results));
    expect((await createRunStore(redis, prefix).getRun('r-issuers'))?.report.warnings).toEqual([
      `${problem} (issuer-left not evaluated for 2 token(s))`,
      "issuer-dormant not evaluated for 1 token(s): Gcore's login history does not cover their issuers",
    ]);
  });

  it("updates the sentinel's seen sets only at its commit, only for the accounts the run listed completely", async () => {
    const prefix = fresh();
    const seenKey = (c: number) => `${prefix}:sentinel:seen:${c}`;
    await redis.sadd(seenKey(456), '0', '101', '102', '103');
    await redis.sadd(seenKey(789), '0', '301');
    const results: TokenResult[] = [
      fresh101,
      { clientId: 456, tokenId: 104, status: 'audited', findings: [] },
      { clientId: 456, tokenId: 105, status: 'failed', findings: [] }, // not read: neither seen nor gone
      { clientId: 456, tokenId: 103, status: 'gone', findings: [] },
      { clientId: 789, tokenId: 301, status: 'gone', findings: [] }, // its listing was not complete: left alone
    ];
    const job = reportJob('r-seen', results);
    await makeReportHandler(deps(prefix))({ ...job, data: { ...job.data, listed: [456] } });
    expect((await redis.smembers(seenKey(456))).sort()).toEqual(['0', '101', '102', '104']);
    expect((await redis.smembers(seenKey(789))).sort()).toEqual(['0', '301']);
  });

  it('posts a fresh finding once when two runs commit at the same time from the same state (20 trials)', async () => {
    for (let trial = 0; trial < 20; trial += 1) {
      const prefix = fresh();
      const states = sameState(createAlertStateStore(redis, prefix), 2);
      const before = mentions101();
      const handler = makeReportHandler(deps(prefix, { states }));
      // One of them may find the other delivering (busy): that job would be retried; the outbox keeps the digest.
      await Promise.allSettled([handler(reportJob('run-a', [fresh101])), handler(reportJob('run-b', [fresh101]))]);
      await deliverOutbox(deps(prefix), logger);
      expect(mentions101() - before).toBe(1);
      expect(await createOutboxStore(redis, prefix).pendingDigests(DEFAULT_ROUTE)).toEqual([]);
      expect((await createAlertStateStore(redis, prefix).load()).version).toBe(2);
    }
  });

  it('a run that finds another replica delivering is announced done only by the retry that delivers it (trigger --wait reads it then)', async () => {
    const prefix = fresh();
    const announced: string[] = [];
    const runs = { ...createRunStore(redis, prefix), announceDone: (run: string) => Promise.resolve(void announced.push(run)) };
    let release = () => undefined as void;
    const holding = new Promise<void>((started) => {
      void createOutboxStore(redis, prefix).withClaim(DEFAULT_ROUTE, 30_000, () => {
        started();
        return new Promise<void>((r) => (release = r));
      });
    });
    await holding;
    const before = mentions101();
    const handler = makeReportHandler(deps(prefix, { runs }));
    try {
      await expect(handler(reportJob('r1', [fresh101]))).rejects.toBeInstanceOf(BusyError);
      expect(announced).toEqual([]);
      expect((await runs.getRun('r1'))?.delivery).toBe('pending');
    } finally {
      release();
    }
    await handler(reportJob('r1', [fresh101])); // BullMQ's retry of the same job
    expect(announced).toEqual(['r1']);
    expect((await runs.getRun('r1'))?.delivery).toBe('delivered');
    expect(mentions101() - before).toBe(1);
  });

  it('a holder waiting out a Retry-After longer than its claim keeps the claim: each message is posted once', async () => {
    const prefix = fresh();
    const messages = ['one', 'two', 'three'].map((text) => ({ text, blocks: [] }));
    await createRunCommitter(redis, prefix).commitRun(commitOf('r1', { digests: [{ route: DEFAULT_ROUTE, messages }] }));
    slack.respond = (i) => (i === 1 ? { status: 429, body: 'rate_limited', headers: { 'retry-after': '2' } } : { status: 200, body: 'ok' });
    const claimMs = 200;
    const first = deliverOutbox(deps(prefix, { outboxClaimMs: claimMs }), logger);
    while (slack.posts.length === 0) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 3 * claimMs)); // the claim's life has passed three times over
    await expect(deliverOutbox(deps(prefix, { outboxClaimMs: claimMs }), logger)).rejects.toBeInstanceOf(BusyError);
    await first;
    expect(slack.accepted().map((p) => p.body.text)).toEqual(['one', 'two', 'three']);
    expect(slack.posts.length).toBe(4); // the 429'd one, then each once
  });

  it('a digest Slack rejects does not move the last success; its delivery does', async () => {
    const prefix = fresh();
    slack.respond = () => ({ status: 403, body: 'invalid_token' });
    const d = deps(prefix);
    await expect(makeReportHandler(d)(reportJob('r1', [fresh101]))).rejects.toThrow(/invalid_token/);
    expect((await d.runs.getRun('r1'))?.delivery).toBe('failed');
    expect(await d.runs.lastSuccess()).toBeNull();

    slack.respond = () => ({ status: 200, body: 'ok' });
    await makeReportHandler(d)(reportJob('r2', [fresh101]));
    expect(await d.runs.lastSuccess()).toBe(Date.parse('2026-11-29T12:00:00.000Z'));
    expect((await d.runs.getRun('r1'))?.delivery).toBe('delivered');
    expect((await d.runs.getRun('r2'))?.delivery).toBe('nothing-to-send');
  });

  it('a Retry-After beyond 60 s is not waited out: the digest stays pending for the next run, the job ends', async () => {
    const prefix = fresh();
    slack.respond = () => ({ status: 429, body: 'rate_limited', headers: { 'retry-after': '4000000000' } });
    const d = deps(prefix);
    await makeReportHandler(d)(reportJob('r1', [fresh101]));
    expect((await d.runs.getRun('r1'))?.delivery).toBe('pending');
    expect(slack.posts.length).toBe(1);
    expect((await d.outbox.pendingDigests(DEFAULT_ROUTE)).map((x) => x.runKey)).toEqual(['r1']);
    expect(await d.runs.lastSuccess()).toBeNull();
  });
});
