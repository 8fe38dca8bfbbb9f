import { describe, expect, it } from '@jest/globals';
import { NEW_TOKENS_PER_MESSAGE, planSentinel, type SentinelPlan, type SentinelPlanOptions } from '../../src/alerts/plan-sentinel.js';
import { stateKey, type AlertState } from '../../src/alerts/plan-alerts.js';
import { DEFAULT_ROUTE, type Route } from '../../src/alerts/route-findings.js';
import type { Finding } from '../../src/core/finding.js';
import { finding } from '../support/findings.js';
import { NOW } from '../support/tokens.js';

const options: SentinelPlanOptions = { now: NOW, minSeverity: 'medium', slackMinSeverity: 'low', routes: [], maxMessages: 1 };
const oncall: Route = { name: 'oncall', webhookEnv: 'ONCALL_WEBHOOK', match: { minSeverity: 'critical' }, continue: false };
const told = (f: Finding, lastNotified: string | null, route = DEFAULT_ROUTE): [string, AlertState] => [
  stateKey(route, f.id),
  { key: stateKey(route, f.id), route, finding: f, firstSeen: '2026-11-01T00:00:00.000Z', lastSeen: '2026-11-28T00:00:00.000Z', lastNotified },
];
const named = (plan: SentinelPlan) => plan.alerts.map((a) => [a.route, a.entries.map((e) => e.tokenId), a.left]);
const many = (n: number, severity: Finding['severity'] = 'medium') => Array.from({ length: n }, (_, i) => finding(i + 1, 'stale', severity));

describe('planSentinel', () => {
  it('tells the route of a new token who issued it, its role, dates and the rule it breaks, and records it as notified now', () => {
    const f = finding(101, 'stale', 'medium', { accountName: 'cdn', expDate: '2027-01-01T00:00:00.000Z' });
    const plan = planSentinel(new Map(), [f], options);
    expect(plan.alerts).toEqual([
      {
        route: DEFAULT_ROUTE,
        entries: [
          {
            clientId: 456,
            accountName: 'cdn',
            tokenId: 101,
            tokenName: 'token-101',
            issuer: 'John Doe <john@example.com>',
            role: 'Users',
            created: '2026-01-01T00:00:00.000Z',
            expDate: '2027-01-01T00:00:00.000Z',
            severity: 'medium',
            rules: [{ rule: 'stale', severity: 'medium', message: f.message }],
          },
        ],
        left: 0,
      },
    ]);
    const now = NOW.toISOString();
    expect(plan.upserts).toEqual([{ key: stateKey(DEFAULT_ROUTE, f.id), route: DEFAULT_ROUTE, finding: f, firstSeen: now, lastSeen: now, lastNotified: now }]);
  });

  it('names the issuer alone when the email is empty or repeats the name, and null when the token could not say', () => {
    const issuer = { userId: 1, name: 'John Doe', email: '', deleted: false };
    const fs = [
      finding(1, 'stale', 'medium', { issuer }),
      finding(2, 'stale', 'medium', { issuer: { ...issuer, email: 'John Doe' } }),
      finding(3, 'stale', 'medium', { issuer: null }),
    ];
    expect(planSentinel(new Map(), fs, options).alerts[0]?.entries.map((e) => e.issuer)).toEqual(['John Doe', 'John Doe', null]);
  });

  it('posts nothing, and records nothing, when there is nothing new', () => {
    expect(planSentinel(new Map(), [], options)).toEqual({ upserts: [], alerts: [] });
  });

  it('leaves muted findings and findings about a whole account out', () => {
    const fs = [
      finding(1, 'stale', 'high', { muted: true, muteReason: 'known' }),
      finding(2, 'coverage-gap', 'high', { tokenId: null }),
      finding(3, 'coverage-gap', 'high', { clientId: null }),
    ];
    expect(planSentinel(new Map(), fs, options)).toEqual({ upserts: [], alerts: [] });
  });

  it('posts findings at the sentinel minimum and leaves those below it for the run', () => {
    const plan = planSentinel(new Map(), [finding(1, 'stale', 'low'), finding(2, 'stale', 'medium')], options);
    expect(named(plan)).toEqual([[DEFAULT_ROUTE, [2], 0]]);
    expect(plan.upserts.map((s) => s.finding.tokenId)).toEqual([2]);
  });

  it('never posts what the digest minimum would not, whatever the sentinel minimum', () => {
    const plan = planSentinel(new Map(), [finding(1, 'stale', 'medium'), finding(2, 'stale', 'high')], { ...options, minSeverity: 'low', slackMinSeverity: 'high' });
    expect(named(plan)).toEqual([[DEFAULT_ROUTE, [2], 0]]);
  });

  it('does not tell a route again what a run or another sweep told it, and keeps the first seen of a state never told', () => {
    const [a, b] = [finding(1), finding(2)];
    const plan = planSentinel(new Map([told(a, '2026-11-28T00:00:00.000Z'), told(b, null)]), [a, b], options);
    expect(named(plan)).toEqual([[DEFAULT_ROUTE, [2], 0]]);
    expect(plan.upserts).toEqual([{ ...told(b, NOW.toISOString())[1], lastSeen: NOW.toISOString() }]);
  });

  it('posts to each route the findings routed there, and skips a route with nothing to say', () => {
    const plan = planSentinel(new Map(), [finding(1, 'stale', 'critical'), finding(2)], { ...options, routes: [oncall, { ...oncall, name: 'quiet', match: { accounts: [1] } }] });
    expect(named(plan)).toEqual([
      ['oncall', [1], 0],
      [DEFAULT_ROUTE, [2], 0],
    ]);
    expect(plan.upserts.map((s) => s.key)).toEqual([stateKey('oncall', finding(1, 'stale', 'critical').id), stateKey(DEFAULT_ROUTE, finding(2).id)]);
  });

  it('tells a route what it has not been told even when another route was told', () => {
    const f = finding(1, 'stale', 'critical');
    const plan = planSentinel(new Map([told(f, '2026-11-28T00:00:00.000Z')]), [f], { ...options, routes: [{ ...oncall, continue: true }] });
    expect(named(plan)).toEqual([['oncall', [1], 0]]);
  });

  it('names a token once with all its rules, the most severe first, at the severity of the worst', () => {
    const fs = [finding(7, 'stale', 'medium'), finding(7, 'never-expiring-admin', 'critical'), finding(7, 'orphaned', 'high')];
    const [entry] = planSentinel(new Map(), fs, options).alerts[0]?.entries ?? [];
    expect(entry?.severity).toBe('critical');
    expect(entry?.rules.map((r) => [r.rule, r.severity])).toEqual([
      ['never-expiring-admin', 'critical'],
      ['orphaned', 'high'],
      ['stale', 'medium'],
    ]);
  });

  it('keeps tokens of different accounts with the same id apart', () => {
    const plan = planSentinel(new Map(), [finding(1), finding(1, 'stale', 'medium', { clientId: 789 })], options);
    expect(plan.alerts[0]?.entries.map((e) => [e.clientId, e.tokenId])).toEqual([
      [456, 1],
      [789, 1],
    ]);
  });

  it('names the most severe tokens first, then by token id', () => {
    const fs = [finding(3, 'stale', 'medium'), finding(2, 'stale', 'high'), finding(1, 'stale', 'medium'), finding(4, 'stale', 'critical')];
    expect(named(planSentinel(new Map(), fs, options))).toEqual([[DEFAULT_ROUTE, [4, 2, 1, 3], 0]]);
  });

  it(`names up to ${NEW_TOKENS_PER_MESSAGE} tokens a message the route may get`, () => {
    expect(NEW_TOKENS_PER_MESSAGE).toBe(10);
    expect(named(planSentinel(new Map(), many(10), options))).toEqual([[DEFAULT_ROUTE, many(10).map((f) => f.tokenId), 0]]);
    expect(planSentinel(new Map(), many(20), { ...options, maxMessages: 2 }).alerts[0]?.left).toBe(0);
  });

  it('counts the tokens past the budget as left, and records only the tokens it named, so the next run has the rest', () => {
    const fs = [...many(10, 'high'), finding(11, 'stale', 'medium'), finding(11, 'orphaned', 'medium'), finding(12, 'stale', 'medium')];
    const plan = planSentinel(new Map(), fs, options);
    expect(named(plan)).toEqual([[DEFAULT_ROUTE, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 2]]);
    expect(plan.upserts.map((s) => s.finding.tokenId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('records every finding of a token it named', () => {
    const fs = [finding(1, 'stale', 'medium'), finding(1, 'orphaned', 'high')];
    expect(planSentinel(new Map(), fs, options).upserts.map((s) => s.finding.rule)).toEqual(['stale', 'orphaned']);
  });
});
