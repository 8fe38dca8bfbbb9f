import { describe, expect, it } from '@jest/globals';
import { countChanges, type CountedRoute } from '../../src/alerts/count-changes.js';
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
