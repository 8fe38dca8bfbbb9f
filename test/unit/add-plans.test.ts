import { describe, expect, it } from '@jest/globals';
import { addPlans } from '../../src/alerts/add-plans.js';
import { planAlerts } from '../../src/alerts/plan-alerts.js';
import { runOpen } from '../../src/alerts/open-tally.js';
import type { Route } from '../../src/alerts/route-findings.js';
import { finding } from '../support/findings.js';
import { NOW } from '../support/tokens.js';

const options = (routes: Route[] = []) => ({ now: NOW, minSeverity: 'low' as const, renotifyAfterHours: 168, routes });
const oncall: Route = { name: 'oncall', webhookEnv: 'ONCALL_WEBHOOK', match: { minSeverity: 'critical' }, continue: false };

describe('addPlans', () => {
  it('adds two parts of a run: lists joined, counts summed, the oldest first seen kept', () => {
    const a = planAlerts(new Map(), [finding(1, 'stale', 'medium')], { results: [] }, options());
    const b = planAlerts(new Map(), [finding(2, 'never-expiring-admin', 'critical'), finding(3, 'stale', 'medium', { muted: true })], { results: [] }, options());
    const whole = planAlerts(new Map(), [finding(1, 'stale', 'medium'), finding(2, 'never-expiring-admin', 'critical'), finding(3, 'stale', 'medium', { muted: true })], { results: [] }, options());
    const sum = addPlans(a, b);
    expect(sum).toEqual(whole);
    expect(sum.open).toMatchObject({ unmuted: 2, shown: 2, critical: 1, high: 0, muted: 1 });
    expect([...sum.open.byRule]).toEqual([['stale|medium', 1], ['never-expiring-admin|critical', 1]]);
  });

  it('refuses parts planned for different routes', () => {
    const a = planAlerts(new Map(), [], { results: [] }, options());
    const b = planAlerts(new Map(), [], { results: [] }, options([oncall]));
    expect(() => addPlans(a, b)).toThrow('plans of different routes cannot be added: default against oncall');
  });

  it('joins reminders, sums held and acknowledged counts (absent in both: absent), and reads a route with no counts as none', () => {
    const base = planAlerts(new Map(), [finding(1)], { results: [] }, options());
    const route = base.routes[0] as (typeof base.routes)[number];
    const { counts: _, ...bare } = route;
    const told = { key: 'default/x', route: 'default', finding: finding(1), firstSeen: '', lastSeen: '', lastNotified: null };
    const a = { ...base, routes: [{ ...bare, reminders: [told], heldByGap: 2, acknowledged: 1 }] };
    const b = { ...base, routes: [{ ...bare, reminders: [told], heldByGap: 3 }] };
    const sum = addPlans(a, b).routes[0];
    expect([sum?.reminders.length, sum?.heldByGap, sum?.acknowledged]).toEqual([2, 5, 1]);
    expect(sum?.counts?.route).toEqual({ new: 0, resolved: 0, open: 0 });
    expect(addPlans({ ...base, routes: [bare] }, { ...base, routes: [bare] }).routes[0]?.acknowledged).toBeUndefined();
    expect(addPlans({ ...base, routes: [bare] }, { ...base, routes: [{ ...bare, acknowledged: 4 }] }).routes[0]?.acknowledged).toBe(4);
  });

  it('refuses a part with fewer routes', () => {
    const a = planAlerts(new Map(), [], { results: [] }, options([oncall]));
    expect(() => addPlans(a, { ...a, routes: a.routes.slice(0, 1) })).toThrow('plans of different routes cannot be added: default against none');
  });

  it('counts a finding of two states by its first: muted in the first, it is muted', () => {
    const open = runOpen(
      [
        { finding: finding(1, 'stale', 'high', { muted: true }), firstSeen: '2026-11-01T00:00:00.000Z' },
        { finding: finding(1, 'stale', 'high'), firstSeen: '2026-11-02T00:00:00.000Z' },
      ],
      'low',
    );
    expect([open.unmuted, open.muted]).toEqual([0, 1]);
  });
});
