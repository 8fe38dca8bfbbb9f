import { describe, expect, it } from '@jest/globals';
import { planAlerts, stateKey, type AlertState } from '../../src/alerts/plan-alerts.js';
import { DEFAULT_ROUTE } from '../../src/alerts/route-findings.js';
import { planDigest, FULL_LEVEL } from '../../src/alerts/plan-digest.js';
import type { Finding } from '../../src/core/finding.js';
import { finding } from '../support/findings.js';
import { NOW, daysBefore } from '../support/tokens.js';

const options = { now: NOW, minSeverity: 'low' as const, renotifyAfterHours: 168, routes: [] };
// Told 8 days ago: past renotifyAfterHours (7 days), so every one of them falls due today.
const told = (f: Finding): [string, AlertState] => [
  stateKey(DEFAULT_ROUTE, f.id),
  { key: stateKey(DEFAULT_ROUTE, f.id), route: DEFAULT_ROUTE, finding: f, firstSeen: daysBefore(30).toISOString(), lastSeen: daysBefore(1).toISOString(), lastNotified: daysBefore(8).toISOString() },
];
const a = finding(1, 'never-expiring-admin', 'critical');
const b = finding(2, 'orphaned', 'high');
const c = finding(3, 'stale', 'medium');
const coverage = { results: [] };

describe('acknowledged findings (acting from Slack)', () => {
  it('are left out of the reminder and keep their last notice, the others are reminded', () => {
    const plan = planAlerts(new Map([told(a), told(b), told(c)]), [a, b, c], coverage, { ...options, acknowledged: new Set([a.id]) });
    const route = plan.routes[0];
    expect(route?.reminders.map((s) => s.finding.id)).toEqual([b.id, c.id]);
    expect(plan.upserts.find((s) => s.finding.id === a.id)?.lastNotified).toBe(daysBefore(8).toISOString());
    expect(plan.upserts.find((s) => s.finding.id === b.id)?.lastNotified).toBe(NOW.toISOString());
    expect([route?.open.unmuted, route?.acknowledged]).toEqual([3, 1]);
  });

  it('never make a reminder fall due on their own', () => {
    const plan = planAlerts(new Map([told(a), told(b)]), [a, b], coverage, { ...options, acknowledged: new Set([a.id, b.id]) });
    expect(plan.routes[0]?.reminders).toEqual([]);
    expect(plan.routes[0]?.acknowledged).toBe(2);
  });

  it('are reminded again once the acknowledgement lapses (absent from the set)', () => {
    const plan = planAlerts(new Map([told(a)]), [a], coverage, { ...options, acknowledged: new Set() });
    expect(plan.routes[0]?.reminders.map((s) => s.finding.id)).toEqual([a.id]);
  });

  it('are counted apart in the digest header', () => {
    const plan = planAlerts(new Map([told(a), told(b), told(c)]), [a, b, c], coverage, { ...options, acknowledged: new Set([a.id, b.id]) });
    const digest = planDigest(
      { plan: plan.routes[0] ?? (undefined as never), stateless: false, runId: 'r1', trigger: 'schedule', minSeverity: 'low', detailSeverity: 'high', now: NOW, listing: 'findings' },
      FULL_LEVEL,
    );
    expect(digest.headline).toBe('0 new · 0 resolved · 3 open (1 critical, 1 high) · 2 acknowledged');
  });

  it('change nothing when no acknowledgement is given', () => {
    const plan = planAlerts(new Map([told(a)]), [a], coverage, options);
    expect(plan.routes[0]).not.toHaveProperty('acknowledged');
  });
});
