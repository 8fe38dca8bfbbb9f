import { describe, expect, it } from '@jest/globals';
import { DEFAULT_ROUTE, routeNames, routesOf, type Route } from '../../src/alerts/route-findings.js';
import { finding } from '../support/findings.js';

const to = (name: string, match: Route['match'], cont = false): Route => ({ name, webhookEnv: `${name.toUpperCase()}_WEBHOOK`, match, continue: cont });

describe('routesOf', () => {
  it('matches an owner against any of the route’s owners, whatever the case', () => {
    const routes = [to('data', { owners: ['ml-team', 'Data-Team'] })];
    expect(routesOf(finding(1, 'stale', 'medium', { owner: 'data-team' }), routes)).toEqual(['data']);
    expect(routesOf(finding(2, 'stale', 'medium', { owner: 'web-team' }), routes)).toEqual([DEFAULT_ROUTE]);
  });

  it('sends a finding without an owner past a route that names owners', () => {
    expect(routesOf(finding(1, 'stale', 'medium', { owner: null }), [to('data', { owners: ['data-team'] })])).toEqual([DEFAULT_ROUTE]);
  });

  it('sends a finding without an account past a route that names accounts', () => {
    const gap = finding(0, 'coverage-gap', 'high', { clientId: null, tokenId: null });
    expect(routesOf(gap, [to('cdn', { accounts: [456] })])).toEqual([DEFAULT_ROUTE]);
  });

  it('takes a finding at the route’s minimum severity, not one below it', () => {
    const routes = [to('oncall', { minSeverity: 'high' })];
    expect(routesOf(finding(1, 'orphaned', 'high'), routes)).toEqual(['oncall']);
    expect(routesOf(finding(2, 'stale', 'medium'), routes)).toEqual([DEFAULT_ROUTE]);
  });

  it('takes every finding into a route with an empty match', () => {
    expect(routesOf(finding(1, 'never-used', 'info'), [to('all', {}), to('later', {})])).toEqual(['all']);
  });
});

describe('routesOf a slack-route-failing finding', () => {
  const failing = (route: string) => finding(0, 'slack-route-failing', 'high', { clientId: null, tokenId: null, route });

  it('goes to the default route, whatever the routes match, when the failing route is another', () => {
    expect(routesOf(failing('team'), [to('team', { rules: ['slack-route-failing'] }), to('oncall', { minSeverity: 'high' })])).toEqual([DEFAULT_ROUTE]);
  });

  it('goes to every other route when the default is the one failing, or takes nothing (a route with an empty match)', () => {
    const routes = [to('team', { accounts: [789] }), to('oncall', { minSeverity: 'critical' })];
    expect(routesOf(failing(DEFAULT_ROUTE), routes)).toEqual(['team', 'oncall']);
    expect(routesOf(failing('all'), [to('all', {}), to('oncall', { minSeverity: 'critical' })])).toEqual(['oncall']);
  });

  it('stays on the failing route when there is no other: queued for it, shown by the metric meanwhile', () => {
    expect(routesOf(failing(DEFAULT_ROUTE), [])).toEqual([DEFAULT_ROUTE]);
    expect(routesOf(failing('all'), [to('all', {})])).toEqual(['all']);
  });
});

describe('routeNames', () => {
  it('lists the configured routes in order, then the default', () => {
    expect(routeNames([to('oncall', {}), to('cdn', {})])).toEqual(['oncall', 'cdn', DEFAULT_ROUTE]);
    expect(routeNames([])).toEqual([DEFAULT_ROUTE]);
  });
});
