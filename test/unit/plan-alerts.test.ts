import { describe, expect, it } from '@jest/globals';
import { planAlerts, stateKey, type AlertPlan, type AlertState, type RunCoverage } from '../../src/alerts/plan-alerts.js';
import { DEFAULT_ROUTE, routesOf, type Route } from '../../src/alerts/route-findings.js';
import type { Finding } from '../../src/core/finding.js';
import type { TokenSnapshot } from '../../src/core/report.js';
import { finding } from '../support/findings.js';
import { NOW } from '../support/tokens.js';

const HOUR = 3_600_000;
const options = { now: NOW, minSeverity: 'low' as const, renotifyAfterHours: 168, routes: [] as Route[] };
const snapshot: TokenSnapshot = {
  expDate: null,
  expired: false,
  deleted: false,
  lastUsage: '2026-05-01T00:00:00.000Z',
  issuerDeleted: false,
  inInventory: true,
};
const saw = (...tokenIds: number[]): RunCoverage => ({
  results: tokenIds.map((tokenId) => ({ clientId: 456, tokenId, status: 'audited' as const, snapshot })),
});
const state = (f: Finding, lastNotified: Date | null = new Date(NOW.getTime() - HOUR), route = DEFAULT_ROUTE): AlertState => ({
  key: stateKey(route, f.id),
  route,
  finding: f,
  firstSeen: '2026-11-01T00:00:00.000Z',
  lastSeen: '2026-11-28T00:00:00.000Z',
  lastNotified: lastNotified?.toISOString() ?? null,
});
const prev = (...states: AlertState[]) => new Map(states.map((s) => [s.key, s]));
const route = (plan: AlertPlan, name = DEFAULT_ROUTE) => {
  const r = plan.routes.find((x) => x.route === name);
  if (!r) {
    throw new Error(`no route ${name}`);
  }
  return r;
};
const ids = (fs: readonly { tokenId: number | null }[]) => fs.map((f) => f.tokenId);

describe('planAlerts', () => {
  it('posts a finding seen for the first time as new', () => {
    const plan = planAlerts(new Map(), [finding(1)], saw(1), options);
    expect(ids(route(plan).newFindings)).toEqual([1]);
    expect(plan.upserts[0]).toMatchObject({ firstSeen: NOW.toISOString(), lastSeen: NOW.toISOString(), lastNotified: NOW.toISOString() });
  });

  it('posts nothing for a finding already notified within the interval', () => {
    const plan = planAlerts(prev(state(finding(1))), [finding(1)], saw(1), options);
    const r = route(plan);
    expect([r.newFindings, r.reminders, r.resolved]).toEqual([[], [], []]);
    expect(r.open.unmuted).toBe(1);
  });

  it('reminds every notified finding together once any is due, so they fall due together again', () => {
    const old = state(finding(1), new Date(NOW.getTime() - 168 * HOUR));
    const recent = state(finding(2), new Date(NOW.getTime() - 24 * HOUR));
    const plan = planAlerts(prev(old, recent), [finding(1), finding(2)], saw(1, 2), options);
    expect(ids(route(plan).reminders.map((s) => s.finding))).toEqual([1, 2]);
    expect(plan.upserts.map((s) => s.lastNotified)).toEqual([NOW.toISOString(), NOW.toISOString()]);

    const notYet = planAlerts(prev(state(finding(1), new Date(NOW.getTime() - 167 * HOUR))), [finding(1)], saw(1), options);
    expect(route(notYet).reminders).toEqual([]);
  });

  it('does not remind a finding that is new in this run', () => {
    const due = state(finding(1), new Date(NOW.getTime() - 200 * HOUR));
    const plan = planAlerts(prev(due), [finding(1), finding(2)], saw(1, 2), options);
    expect(ids(route(plan).newFindings)).toEqual([2]);
    expect(ids(route(plan).reminders.map((s) => s.finding))).toEqual([1]);
  });

  it('resolves a finding whose token was read without it, with the reason, and posts it only if it had been posted', () => {
    const posted = state(finding(1, 'never-expiring'));
    const silent = state(finding(2), null);
    const coverage: RunCoverage = {
      results: [
        { clientId: 456, tokenId: 1, status: 'audited', snapshot: { ...snapshot, expDate: '2027-01-01T00:00:00.000Z' } },
        { clientId: 456, tokenId: 2, status: 'gone' },
      ],
    };
    const plan = planAlerts(prev(posted, silent), [], coverage, options);
    expect(plan.resolvedKeys.sort()).toEqual([posted.key, silent.key].sort());
    expect(route(plan).resolved.map((r) => [r.finding.tokenId, r.reason])).toEqual([[1, 'expiry set']]);
  });

  it('keeps open the findings of a token that failed, or that the run did not read (a list that left it out)', () => {
    const failed = state(finding(1));
    const unlisted = state(finding(2));
    const plan = planAlerts(prev(failed, unlisted), [], { results: [{ clientId: 456, tokenId: 1, status: 'failed' }] }, options);
    expect(plan.resolvedKeys).toEqual([]);
    expect(route(plan).resolved).toEqual([]);
    expect(route(plan).open.unmuted).toBe(2);
    expect(plan.open.unmuted).toBe(2);
    expect(plan.upserts).toEqual([]);
  });

  it('resolves a coverage gap when a run no longer finds it, as "coverage restored"', () => {
    const gap = state(finding(0, 'coverage-gap', 'high', { tokenId: null }));
    const plan = planAlerts(prev(gap), [], { results: [] }, options);
    expect(route(plan).resolved.map((r) => r.reason)).toEqual(['coverage restored']);
  });

  it('keeps muted findings out, and posts one as new when its mute lapses', () => {
    const muted = finding(1, 'stale', 'high', { muted: true, muteReason: 'vault' });
    const plan = planAlerts(prev(state(finding(1, 'stale', 'high'))), [muted], saw(1), options);
    expect(route(plan).newFindings).toEqual([]);
    expect(route(plan).muted).toBe(1);
    expect(route(plan).open.unmuted).toBe(0);
    expect(plan.upserts[0]?.lastNotified).toBeNull();
    const lapsed = planAlerts(prev(...plan.upserts), [finding(1, 'stale', 'high')], saw(1), options);
    expect(ids(route(lapsed).newFindings)).toEqual([1]);
  });

  it('leaves findings below minSeverity out until they rise above it, and counts them', () => {
    const low = { ...options, minSeverity: 'medium' as const };
    const plan = planAlerts(new Map(), [finding(1, 'expiring-soon', 'low')], saw(1), low);
    expect(route(plan).newFindings).toEqual([]);
    expect(route(plan).belowMinSeverity).toBe(1);
    const risen = planAlerts(prev(...plan.upserts), [finding(1, 'expiring-soon', 'medium')], saw(1), low);
    expect(ids(route(risen).newFindings)).toEqual([1]);
  });

  it('counts muted findings, and unmuted ones below minSeverity, apart from what it tells', () => {
    const fs = [
      finding(1, 'stale', 'high', { muted: true, muteReason: 'vault' }),
      finding(2, 'never-used', 'low', { muted: true, muteReason: 'vault' }),
      finding(3, 'never-used', 'low'),
      finding(4, 'stale', 'medium'),
    ];
    const r = route(planAlerts(new Map(), fs, saw(1, 2, 3, 4), { ...options, minSeverity: 'medium' }));
    expect([r.muted, r.belowMinSeverity]).toEqual([2, 1]);
    expect(r.open).toEqual({ unmuted: 2, shown: 1, critical: 0, high: 0 });
  });

  it('holds the findings of an unread token of an account with a coverage gap: open, counted, neither new nor resolved', () => {
    const gap = finding(0, 'coverage-gap', 'high', { tokenId: null });
    const heldFinding = state(finding(1));
    const plan = planAlerts(prev(heldFinding), [gap], saw(), options);
    const r = route(plan);
    expect(r.heldByGap).toBe(1);
    expect(r.resolved).toEqual([]);
    expect(r.newFindings.map((f) => f.rule)).toEqual(['coverage-gap']);
    expect(r.counts?.all).toEqual({ new: 1, resolved: 0, open: 2 });
    // the gap gone, the same unread token is no longer held by it
    expect(route(planAlerts(prev(heldFinding), [], saw(), options)).heldByGap).toBe(0);
  });

  it('treats a finding that comes back after being resolved as new', () => {
    const plan = planAlerts(new Map(), [finding(1)], saw(1), { ...options, now: new Date(NOW.getTime() + HOUR) });
    expect(ids(route(plan).newFindings)).toEqual([1]);
  });

  describe('routes', () => {
    const routes: Route[] = [
      { name: 'oncall', webhookEnv: 'ONCALL_WEBHOOK', match: { minSeverity: 'critical' }, continue: true },
      { name: 'cdn', webhookEnv: 'CDN_WEBHOOK', match: { accounts: [456], rules: ['never-expiring-admin'] }, continue: false },
      { name: 'data', webhookEnv: 'DATA_WEBHOOK', match: { owners: ['Data-Team'] }, continue: false },
    ];
    const critical = finding(1, 'never-expiring-admin', 'critical');
    const stale = finding(2, 'stale', 'medium', { owner: 'data-team' });
    const other = finding(3, 'stale', 'medium');

    it('sends a finding to the first matching route, on through `continue`, and the rest to the default', () => {
      expect(routesOf(critical, routes)).toEqual(['oncall', 'cdn']);
      expect(routesOf(stale, routes)).toEqual(['data']);
      expect(routesOf(other, routes)).toEqual([DEFAULT_ROUTE]);
      expect(routesOf(finding(4, 'never-expiring-admin', 'critical', { clientId: 789 }), routes)).toEqual(['oncall']);
    });

    it('keeps a lifecycle per route, and tells each route only its own findings', () => {
      const plan = planAlerts(new Map(), [critical, stale, other], saw(1, 2, 3), { ...options, routes });
      expect(ids(route(plan, 'oncall').newFindings)).toEqual([1]);
      expect(ids(route(plan, 'cdn').newFindings)).toEqual([1]);
      expect(ids(route(plan, 'data').newFindings)).toEqual([2]);
      expect(ids(route(plan, DEFAULT_ROUTE).newFindings)).toEqual([3]);
      expect(plan.upserts.map((s) => s.key).sort()).toEqual(
        [stateKey('oncall', critical.id), stateKey('cdn', critical.id), stateKey('data', stale.id), stateKey(DEFAULT_ROUTE, other.id)].sort(),
      );
    });

    it('drops, without a word, the state of a route that no longer takes a finding, and carries its told state to the new route', () => {
      const moved = state(other, new Date(NOW.getTime() - HOUR), 'data');
      const plan = planAlerts(prev(moved), [other], saw(3), { ...options, routes });
      expect(plan.resolvedKeys).toEqual([moved.key]);
      expect(plan.routes.flatMap((r) => r.resolved)).toEqual([]);
      // told under the old route: not new under the new one, in its list or in any count
      expect(ids(route(plan, DEFAULT_ROUTE).newFindings)).toEqual([]);
      expect(plan.upserts).toEqual([{ ...moved, key: stateKey(DEFAULT_ROUTE, other.id), route: DEFAULT_ROUTE, finding: other, lastSeen: NOW.toISOString() }]);
      expect(route(plan, DEFAULT_ROUTE).counts).toEqual({ route: { new: 0, resolved: 0, open: 1 }, all: { new: 0, resolved: 0, open: 1 } });
    });

    it('tells the resolution of a finding told under a route since renamed in the route it goes to now, once', () => {
      const told = state(other, new Date(NOW.getTime() - HOUR), 'renamed-away');
      const plan = planAlerts(prev(told), [], saw(3), { ...options, routes });
      expect(plan.resolvedKeys).toEqual([told.key]);
      expect(route(plan, DEFAULT_ROUTE).resolved).toEqual([{ finding: other, reason: 'policy changed' }]);
      expect(route(plan, DEFAULT_ROUTE).counts?.all).toEqual({ new: 0, resolved: 1, open: 0 });
      // never told there: resolves silently
      expect(planAlerts(prev({ ...told, lastNotified: null }), [], saw(3), { ...options, routes }).routes.flatMap((r) => r.resolved)).toEqual([]);
    });

    it('tells a route added beside the old one what it has never heard', () => {
      const told = state(critical, new Date(NOW.getTime() - HOUR), 'oncall');
      const plan = planAlerts(prev(told), [critical], saw(1), { ...options, routes });
      expect(ids(route(plan, 'oncall').newFindings)).toEqual([]);
      expect(ids(route(plan, 'cdn').newFindings)).toEqual([1]);
      expect(route(plan, 'cdn').counts).toEqual({ route: { new: 1, resolved: 0, open: 1 }, all: { new: 1, resolved: 0, open: 1 } });
    });

    it('moves the state of a route no longer configured (renamed) to the route its finding goes to now when the run did not read its token: held there, told state kept', () => {
      const retired = state(other, new Date(NOW.getTime() - HOUR), 'retired');
      const plan = planAlerts(prev(retired), [], saw(), { ...options, routes });
      expect(plan.resolvedKeys).toEqual([retired.key]);
      const moved = { ...retired, key: stateKey(DEFAULT_ROUTE, other.id), route: DEFAULT_ROUTE };
      expect(plan.upserts).toEqual([moved]);
      expect(plan.open.unmuted).toBe(1);
      expect(route(plan, DEFAULT_ROUTE).counts?.all).toEqual({ new: 0, resolved: 0, open: 1 });
      // the next run reads the token and finds it the same: still not new
      const next = planAlerts(prev(moved), [other], saw(3), { ...options, routes });
      expect(route(next, DEFAULT_ROUTE).newFindings).toEqual([]);
    });

    it('keeps a finding of a token the run did not read open in its own route only', () => {
      const unread = state(stale, new Date(NOW.getTime() - HOUR), 'data');
      const plan = planAlerts(prev(unread), [], saw(), { ...options, routes });
      expect(plan.routes.filter((r) => r.open.unmuted > 0).map((r) => [r.route, r.open.unmuted])).toEqual([['data', 1]]);
    });
  });
});
