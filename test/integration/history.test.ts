import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { makeReportHandler } from '../../jobs/report-job.js';
import { runCli } from '../../src/app/cli/run-cli.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/core/logger.js';
import type { TokenResult } from '../../src/core/report.js';
import type { ParentJob } from '../../src/store/job-catalogue.js';
import { createAlertStateStore } from '../../src/store/alert-state-store.js';
import { createRunCommitter } from '../../src/store/commit-run.js';
import { createHistoryStore } from '../../src/store/history-store.js';
import { createOutboxStore } from '../../src/store/outbox-store.js';
import { createRunStore } from '../../src/store/run-store.js';
import { storeKeys } from '../../src/store/store-keys.js';
import { createSentinelStore } from '../../src/store/sentinel-store.js';
import { parseHistoryEntry } from '../../src/core/run-history.js';
import { finding } from '../support/findings.js';
import { logSink } from '../support/log-sink.js';
import { commitOf, reportOf, stateOf, testRedis } from '../support/store-fixtures.js';
import { childPages } from '../support/child-pages.js';

const { redis, prefix: base } = testRedis();
afterAll(() => redis.quit());
const DAY = 86_400_000;
const FIRST = Date.parse('2026-11-02T12:00:00.000Z'); // a Monday
const TOKENS = 30;
const logs = logSink();
const logger = createLogger({ level: 'warn', destination: logs });

function configWith(yaml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'history-'));
  writeFileSync(join(dir, 'audit.yaml'), `accounts: [{ clientId: 456 }]\n${yaml}`);
  return loadConfig(join(dir, 'audit.yaml'), {});
}

/** Day `day`'s run: the tokens up to `day` were deleted (404), the others still each hold a critical finding. */
function dayJob(day: number): ParentJob {
  const at = new Date(FIRST + day * DAY).toISOString();
  const results: TokenResult[] = Array.from({ length: TOKENS }, (_, i) => {
    const tokenId = i + 1;
    return tokenId <= day
      ? { clientId: 456, tokenId, status: 'gone', findings: [] }
      : { clientId: 456, tokenId, status: 'audited', findings: [finding(tokenId, 'never-expiring-admin', 'critical')] };
  });
  return {
    id: `report-day-${day}`,
    name: 'report',
    attemptsStarted: 1,
    data: { runKey: `repeat-audit-${FIRST + day * DAY}`, startedAt: at, evaluatedAt: at, accounts: [{ clientId: 456, label: 'account 456', error: null }] },
    getDependencies: childPages(results).getDependencies,
    getIgnoredChildrenFailures: () => Promise.resolve({}),
  };
}

async function runDays(prefix: string, yaml: string, days: number) {
  const config = configWith(yaml);
  for (let day = 0; day < days; day += 1) {
    const handler = makeReportHandler({
      config,
      states: createAlertStateStore(redis, prefix),
      runs: createRunStore(redis, prefix),
      outbox: createOutboxStore(redis, prefix),
      committer: createRunCommitter(redis, prefix),
      notifiers: new Map(), // nothing delivered: the digests stay queued, which the history does not need
      clock: () => new Date(FIRST + day * DAY + 60_000),
      logger,
      redact: (text) => text,
      busy: () => new Error('busy'),
      permanent: (error) => error,
    });
    await handler(dayJob(day));
  }
}

async function cli(prefix: string, args: string[], at: number) {
  let out = '';
  const code = await runCli(args, {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (out += text) },
    env: { REDIS_URL: process.env.REDIS_URL ?? '', QUEUE_PREFIX: prefix },
    logDestination: logs,
    clock: () => new Date(at),
  });
  return { code, out };
}

describe('history', () => {
  it('30 daily runs, 5 records still kept: runs --since 30d lists all 30 and trends shows the open criticals falling', async () => {
    const prefix = `${base}-month`;
    await runDays(prefix, '', 30);
    const last = FIRST + 29 * DAY + 120_000;
    // A record lives a day of real time (its TTL): here the 25 oldest expire now. Then Slack takes day 0's digest.
    for (let day = 0; day < 25; day += 1) {
      await redis.del(storeKeys(prefix).run(`repeat-audit-${FIRST + day * DAY}`));
    }
    expect(await createOutboxStore(redis, prefix).completeDigest(`repeat-audit-${FIRST}`, 'default')).toBe(true);

    const runs = await cli(prefix, ['runs', '--since', '30d', '--format', 'json'], last);
    expect(runs.code).toBe(0);
    const listed = JSON.parse(runs.out) as { runId: string; counts: { open: number; resolved: number }; delivery: string; queued?: number }[];
    expect(listed).toHaveLength(30);
    // Newest first; open falls by one a day as each token is deleted.
    expect(listed.map((r) => r.counts.open)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    // The 5 newest from their records, the others from the history alone (which says what they queued).
    expect(listed.filter((r) => r.queued !== undefined).map((r) => r.runId)).toEqual(listed.slice(5).map((r) => r.runId));
    // Each digest was queued (no notifier here delivers them); day 0's was delivered after its record was gone.
    expect(listed.slice(5, 29).map((r) => r.delivery)).toEqual(Array.from({ length: 24 }, () => 'pending'));
    expect(listed[29]?.delivery).toBe('delivered');
    expect(listed[29]?.queued).toBeGreaterThan(0);
    const wide = (await cli(prefix, ['runs', '--since', '30d', '-o', 'wide'], last)).out;
    expect(wide).toMatch(new RegExp(`^repeat-audit-${FIRST} .* ${listed[29]?.queued ?? 0} messages? posted$`, 'm'));
    expect(wide).toMatch(new RegExp(`^repeat-audit-${FIRST + DAY} .* \\d+ messages? pending$`, 'm'));
    expect((await cli(prefix, ['runs', '--since', '2026-11-25', '--format', 'csv'], last)).out.trim().split('\r\n')).toHaveLength(1 + 7); // 25 Nov to 1 Dec
    // Without --since: the runs of the last day, as before.
    expect(JSON.parse((await cli(prefix, ['runs', '--format', 'json', '--limit', '100'], last)).out)).toHaveLength(1);

    const trends = await cli(prefix, ['trends', '--format', 'json'], last);
    expect(trends.code).toBe(0);
    const weeks = JSON.parse(trends.out) as { week: string; runs: number; open: { critical: number }; new: number; resolved: number; medianResolveSeconds: number | null; oldestCriticalSeconds: number | null }[];
    expect(weeks.map((w) => [w.week, w.runs, w.open.critical])).toEqual([
      ['2026-W45', 7, 24],
      ['2026-W46', 7, 17],
      ['2026-W47', 7, 10],
      ['2026-W48', 7, 3],
      ['2026-W49', 2, 1],
    ]);
    expect(weeks[0]?.new).toBe(30);
    expect(weeks.map((w) => w.resolved)).toEqual([6, 7, 7, 7, 2]); // day 0 has none to resolve
    // Token d resolves on day d, first seen on day 0: the week's median is its middle day.
    expect(weeks.map((w) => w.medianResolveSeconds)).toEqual([3, 10, 17, 24, 28].map((d) => d * 86_400));
    // The oldest open critical is the newest token's, first seen on day 0.
    expect(weeks[4]?.oldestCriticalSeconds).toBe(29 * 86_400);
    expect((await cli(prefix, ['trends', '--format', 'csv', '--since', '2w'], last)).out.split('\r\n')[0]).toMatch(/^week,runs,openCritical,/);

    const oldest = await createHistoryStore(redis, prefix).oldestOpen();
    expect(oldest).toEqual(new Map([['critical', FIRST + 60_000]]));
  }, 60_000);

  it('drops summaries older than history.days (from the commit) at each commit', async () => {
    const prefix = `${base}-prune`;
    await runDays(prefix, 'history: { days: 10 }\n', 30);
    const kept = await createHistoryStore(redis, prefix).since(0);
    expect(kept.map((e) => (e.s - FIRST) / DAY).sort((x, y) => x - y)).toEqual(Array.from({ length: 10 }, (_, i) => 20 + i));
    // What Slack got of the runs dropped goes with them.
    expect((await redis.hkeys(storeKeys(prefix).historySlack)).sort()).toEqual(kept.map((e) => e.id).sort());
  }, 60_000);

  it('a summary is written by the commit alone: a refused or repeated commit leaves the history as it was', async () => {
    const prefix = `${base}-atomic`;
    const committer = createRunCommitter(redis, prefix);
    const history = () => redis.zrange(storeKeys(prefix).history, 0, -1);
    expect(await committer.commitRun(commitOf('run-1', { report: reportOf('run-1', [finding(1)]) }))).toBe('committed');
    expect(await history()).toHaveLength(1);
    expect(await committer.commitRun(commitOf('run-1'))).toBe('already-committed');
    await expect(committer.commitRun(commitOf('run-2', { version: 0 }))).rejects.toThrow('another run committed');
    expect((await history()).map((text) => (JSON.parse(text) as { id: string }).id)).toEqual(['run-1']);
  });

  it('a sweep that posts is in the history (trigger sentinel) and moves the oldest open, with its commit', async () => {
    const prefix = `${base}-sweep`;
    const posted = stateOf(finding(7, 'never-expiring-admin', 'critical'));
    const at = Date.parse(posted.firstSeen);
    await createSentinelStore(redis, prefix).commitSweep({
      sweep: 'sweep-1',
      version: 0,
      upserts: [posted],
      digests: [{ route: 'default', messages: [{ text: 'New token', blocks: [] }] }],
      seen: new Map([[456, [7]]]),
      entry: {
        startedAt: posted.firstSeen,
        finishedAt: posted.firstSeen,
        summary: reportOf('sweep-1', [posted.finding]).summary,
        counts: { new: 1, resolved: 0, open: 1 },
        openCounts: new Map([['never-expiring-admin|critical', 1]]),
        oldestOpen: new Map([['critical', at]]),
      },
    });
    const [text = ''] = await redis.zrange(storeKeys(prefix).history, 0, -1);
    expect(parseHistoryEntry(text)).toMatchObject({ id: 'sweep-1', tr: 'x', n: 1, o: 1, sl: 1, c: { 'never-expiring-admin': 'c1' } });
    expect(await redis.hget(storeKeys(prefix).historySlack, 'sweep-1')).toBe('pending');
    expect(await createHistoryStore(redis, prefix).oldestOpen()).toEqual(new Map([['critical', at]]));
  });

  it('a bad --since is refused before Redis is asked, naming the value', async () => {
    for (const args of [['runs', '--since', '90'], ['trends', '--since', '1.5d'], ['runs', '--since', '2026-02-30']]) {
      const { code, out } = await cli(`${base}-bad`, args, FIRST);
      expect([args, code]).toEqual([args, 2]);
      expect(out).toContain(`--since: expected a duration (36h, 90d, 12w) or a date (2026-11-01), got "${args[2] ?? ''}"`);
    }
  });
});
