import { describe, expect, it } from '@jest/globals';
import { countChanges } from '../../src/alerts/count-changes.js';
import { stateKey, type AlertState } from '../../src/alerts/plan-alerts.js';
import type { Finding } from '../../src/core/finding.js';
import { finding } from '../support/findings.js';

const state = (f: Finding, route = 'default'): AlertState => ({
  key: stateKey(route, f.id),
  route,
  finding: f,
  firstSeen: '2026-11-29T12:00:00.000Z',
  lastSeen: '2026-11-29T12:00:00.000Z',
  lastNotified: null,
});

describe('countChanges', () => {
  it('counts findings by id, a finding of several routes once, muted ones included', () => {
    const [a, b, c, d] = [finding(101), finding(102), finding(103, 'never-used', 'low', { muted: true, muteReason: 'x' }), finding(104)];
    const previous = [state(a), state(a, 'oncall'), state(b)];
    const open = [state(a), state(a, 'oncall'), state(c), state(c, 'oncall'), state(d)];
    expect(countChanges(previous, open)).toEqual({ new: 2, resolved: 1, open: 3 });
    expect(countChanges([], [])).toEqual({ new: 0, resolved: 0, open: 0 });
  });

  it('counts as resolved only the findings open before and not after', () => {
    const [a, b, c] = [finding(101), finding(102), finding(103)];
    expect(countChanges([state(a), state(b), state(c)], [state(a)])).toEqual({ new: 0, resolved: 2, open: 1 });
  });
});
