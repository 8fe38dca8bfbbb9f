import { describe, expect, it } from '@jest/globals';
import { addPlans } from '../../src/alerts/add-plans.js';
import { planAlerts } from '../../src/alerts/plan-alerts.js';
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
});
