import { describe, expect, it } from '@jest/globals';
import { countChanges, sweepCounts, type CountedRoute } from '../../src/alerts/count-changes.js';
import { stateKey, type AlertState } from '../../src/alerts/plan-alerts.js';
import type { Finding } from '../../src/core/finding.js';
import { finding } from '../support/findings.js';

const route = (r: Partial<CountedRoute>): CountedRoute => ({ newFindings: [], resolved: [], open: [], ...r });

describe('countChanges', () => {
  it('counts what the routes were told, by finding id: a finding of several routes once', () => {
    const [a, b, c, d] = [finding(101), finding(102), finding(103), finding(104)];
    const routes = [
      route({ newFindings: [a, b], resolved: [{ finding: c, reason: 'deleted' }], open: [a, b, d] }),
      route({ newFindings: [a], resolved: [{ finding: c, reason: 'deleted' }], open: [a] }),
    ];
    expect(countChanges(routes)).toEqual({ new: 2, resolved: 1, open: 3 });
    expect(countChanges(routes.slice(1))).toEqual({ new: 1, resolved: 1, open: 1 });
    expect(countChanges([])).toEqual({ new: 0, resolved: 0, open: 0 });
  });

  it('counts open findings that were never new (held, below the minimum severity) as open only', () => {
    const held = finding(105);
    expect(countChanges([route({ open: [held] })])).toEqual({ new: 0, resolved: 0, open: 1 });
  });
});

describe('sweepCounts', () => {
  const state = (f: Finding, route = 'default'): AlertState => ({
    key: stateKey(route, f.id),
    route,
    finding: f,
    firstSeen: '2026-11-29T12:00:00.000Z',
    lastSeen: '2026-11-29T12:00:00.000Z',
    lastNotified: '2026-11-29T12:00:00.000Z',
  });

  it('counts what the sweep posted as new, resolves nothing, and counts open with its posts, muted ones left out', () => {
    const [a, b, posted] = [finding(101), finding(102, 'stale', 'medium', { muted: true, muteReason: 'x' }), finding(103, 'never-expiring-admin', 'critical')];
    const previous = new Map([state(a), state(b)].map((s) => [s.key, s]));
    expect(sweepCounts(previous, [state(posted), state(posted, 'oncall')])).toEqual({ new: 1, resolved: 0, open: 2 });
    expect(sweepCounts(previous, [])).toEqual({ new: 0, resolved: 0, open: 1 });
  });
});
