import { describe, expect, it } from '@jest/globals';
import { boundedRead } from '../../src/app/health/bounded-read.js';
import { createMetrics, type QueueCounts } from '../../src/app/health/metrics.js';
import { promtool } from '../support/promtool.js';

const never = <T>() => new Promise<T>(() => undefined);

function metrics(overrides: Partial<Parameters<typeof createMetrics>[0]> = {}) {
  return createMetrics({
    openCounts: () => Promise.resolve(new Map([['stale|high', 2]])),
    lastSuccess: () => Promise.resolve(1_700_000_000_000),
    gapKeys: () => Promise.resolve(['456']),
    queueCounts: () => Promise.resolve({ 'audit-tokens': { waiting: 7, active: 2, delayed: 0, failed: 1 } }),
    staleAfterMs: () => 3_600_000,
    startedAt: 1_700_000_000_000,
    now: () => 1_700_000_000_000,
    readBoundMs: 20,
    ...overrides,
  });
}

const line = (text: string, series: string) => new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1];

describe('metrics', () => {
  it('pass promtool check metrics, with standard process and Node.js names and ours under token_audit_', async () => {
    const text = await metrics().registry.metrics();
    expect(promtool(['check', 'metrics'], text)).toEqual({ code: 0, output: '' });
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    const names = new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1] ?? ''));
    expect([...names].filter((n) => !/^(token_audit_|process_|nodejs_)/.test(n))).toEqual([]);
    expect([...names].filter((n) => n.startsWith('token_audit_process'))).toEqual([]);
  });

  it('show every counter at 0 for its known label values from the first scrape', async () => {
    const text = await metrics().registry.metrics();
    for (const series of [
      'token_audit_runs_started_total',
      'token_audit_runs_completed_total',
      'token_audit_tokens_audited_total{status="audited"}',
      'token_audit_tokens_audited_total{status="gone"}',
      'token_audit_tokens_audited_total{status="failed"}',
      'token_audit_slack_deliveries_total{outcome="ok"}',
      'token_audit_slack_deliveries_total{outcome="rejected"}',
      'token_audit_slack_deliveries_total{outcome="rate_limited"}',
      'token_audit_slack_deliveries_total{outcome="error"}',
      'token_audit_slack_failures_total{kind="rejected"}',
      'token_audit_slack_failures_total{kind="unavailable"}',
      'token_audit_gcore_requests_total{status="200"}',
      'token_audit_gcore_requests_total{status="429"}',
      'token_audit_gcore_requests_total{status="error"}',
    ]) {
      expect([series, line(text, series)]).toEqual([series, '0']);
    }
  });

  it("name each Slack route: its dead letters from 0, and whether it is failing as read from Redis", async () => {
    const m = metrics({ slackRoutes: ['team', 'default'], failingRoutes: () => Promise.resolve(['team']) });
    m.slackDeadLetters.inc({ route: 'default' });
    const text = await m.registry.metrics();
    expect(line(text, 'token_audit_slack_dead_letters_total{route="team"}')).toBe('0');
    expect(line(text, 'token_audit_slack_dead_letters_total{route="default"}')).toBe('1');
    expect(line(text, 'token_audit_slack_route_failing{route="team"}')).toBe('1');
    expect(line(text, 'token_audit_slack_route_failing{route="default"}')).toBe('0');
    expect(promtool(['check', 'metrics'], text)).toEqual({ code: 0, output: '' });
  });

  it('show the Redis-backed gauges as read, and the queues by state', async () => {
    const text = await metrics().registry.metrics();
    expect(line(text, 'token_audit_redis_up')).toBe('1');
    expect(line(text, 'token_audit_open_findings{rule="stale",severity="high"}')).toBe('2');
    expect(line(text, 'token_audit_last_success_timestamp_seconds')).toBe('1700000000');
    expect(line(text, 'token_audit_coverage_gaps')).toBe('1');
    expect(line(text, 'token_audit_queue_jobs{queue="audit-tokens",state="waiting"}')).toBe('7');
    expect(line(text, 'token_audit_queue_jobs{queue="audit-tokens",state="active"}')).toBe('2');
    expect(line(text, 'token_audit_queue_jobs{queue="audit-tokens",state="delayed"}')).toBe('0');
    expect(line(text, 'token_audit_queue_jobs{queue="audit-tokens",state="failed"}')).toBe('1');
  });

  it('answer when Redis does not: last values kept, redis_up 0, one pending read per gauge however many scrapes', async () => {
    let down = false;
    const calls = { openCounts: 0, lastSuccess: 0, gapKeys: 0, queueCounts: 0 };
    const m = metrics({
      openCounts: () => (calls.openCounts++, down ? never() : Promise.resolve(new Map([['stale|high', 2]]))),
      lastSuccess: () => (calls.lastSuccess++, down ? never() : Promise.resolve(1_700_000_000_000)),
      gapKeys: () => (calls.gapKeys++, down ? never() : Promise.resolve(['456'])),
      queueCounts: () => (calls.queueCounts++, down ? never<QueueCounts>() : Promise.resolve({ 'audit-tokens': { waiting: 7 } })),
    });
    await m.registry.metrics();
    down = true;
    const texts = await Promise.all(Array.from({ length: 50 }, () => m.registry.metrics()));
    texts.push(...(await Promise.all(Array.from({ length: 5 }, () => m.registry.metrics()))));
    for (const text of texts) {
      expect(line(text, 'token_audit_redis_up')).toBe('0');
      expect(line(text, 'token_audit_open_findings{rule="stale",severity="high"}')).toBe('2');
      expect(line(text, 'token_audit_last_success_timestamp_seconds')).toBe('1700000000');
      expect(line(text, 'token_audit_coverage_gaps')).toBe('1');
      expect(line(text, 'token_audit_queue_jobs{queue="audit-tokens",state="waiting"}')).toBe('7');
    }
    expect(calls).toEqual({ openCounts: 2, lastSuccess: 2, gapKeys: 2, queueCounts: 2 });
  });

  it('say stale only once no run succeeded for longer than staleAfterMs, counted from start when none ever did', async () => {
    let now = 1_700_000_000_000;
    let last: number | null = null;
    const m = metrics({ lastSuccess: () => Promise.resolve(last), now: () => now });
    const stale = async () => line(await m.registry.metrics(), 'token_audit_last_success_stale');
    now += 3_600_000;
    expect(await stale()).toBe('0');
    now += 1;
    expect(await stale()).toBe('1');
    last = now - 3_600_000;
    expect(await stale()).toBe('0');
  });
});

describe('boundedRead', () => {
  it('reuses a read in flight, and reads again once it answered', async () => {
    let release: (v: number) => void = () => undefined;
    let calls = 0;
    const read = boundedRead(() => {
      calls += 1;
      return calls === 1 ? new Promise<number>((r) => (release = r)) : Promise.resolve(6);
    }, 10);
    expect(await read()).toEqual({ value: undefined, fresh: false });
    expect(await read()).toEqual({ value: undefined, fresh: false });
    expect(calls).toBe(1);
    const answered = read();
    release(5);
    expect(await answered).toEqual({ value: 5, fresh: true });
    expect(await read()).toEqual({ value: 6, fresh: true });
    expect(calls).toBe(2);
  });

  it('keeps the last value when a read fails', async () => {
    let fail = false;
    const read = boundedRead(() => (fail ? Promise.reject(new Error('down')) : Promise.resolve(3)), 1000);
    expect(await read()).toEqual({ value: 3, fresh: true });
    fail = true;
    expect(await read()).toEqual({ value: 3, fresh: false });
  });
});

describe('token_audit_oldest_open_finding_age_seconds', () => {
  it('is the age, from the kept first seen, of the oldest open finding of each severity that has one', async () => {
    const now = 1_700_000_000_000;
    const m = metrics({ oldestOpen: () => Promise.resolve(new Map([['critical', now - 3 * 86_400_000], ['medium', now - 90_000]])) });
    const text = await m.registry.metrics();
    expect(line(text, 'token_audit_oldest_open_finding_age_seconds{severity="critical"}')).toBe(String(3 * 86_400));
    expect(line(text, 'token_audit_oldest_open_finding_age_seconds{severity="medium"}')).toBe('90');
    expect(text).not.toMatch(/^token_audit_oldest_open_finding_age_seconds\{severity="high"\}/m);
    expect(promtool(['check', 'metrics'], text)).toEqual({ code: 0, output: '' });
  });
});

describe('token_audit_revocations_total', () => {
  it('shows the counts kept in Redis by outcome, each known outcome from 0, and passes promtool', async () => {
    const text = await metrics({ revocationCounts: () => Promise.resolve(new Map([['done', 2], ['lapsed', 1]])) }).registry.metrics();
    expect(line(text, 'token_audit_revocations_total{outcome="done"}')).toBe('2');
    expect(line(text, 'token_audit_revocations_total{outcome="lapsed"}')).toBe('1');
    expect(line(text, 'token_audit_revocations_total{outcome="refused"}')).toBe('0');
    expect(line(text, 'token_audit_revocations_total{outcome="cancelled"}')).toBe('0');
    expect(promtool(['check', 'metrics'], text)).toEqual({ code: 0, output: '' });
  });
});

describe('token_audit_slack_actions_total', () => {
  it('counts each Slack action by kind and outcome', async () => {
    const m = metrics();
    m.slackActions.inc({ action: 'acknowledge', outcome: 'applied' });
    m.slackActions.inc({ action: 'acknowledge', outcome: 'applied' });
    m.slackActions.inc({ action: 'approve-revocation', outcome: 'refused' });
    const text = await m.registry.metrics();
    expect(line(text, 'token_audit_slack_actions_total{action="acknowledge",outcome="applied"}')).toBe('2');
    expect(line(text, 'token_audit_slack_actions_total{action="approve-revocation",outcome="refused"}')).toBe('1');
    expect(promtool(['check', 'metrics'], text)).toEqual({ code: 0, output: '' });
  });
});
