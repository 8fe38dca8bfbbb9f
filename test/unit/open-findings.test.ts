import { describe, expect, it } from '@jest/globals';
import { openFindings, type FindingFilter } from '../../src/alerts/open-findings.js';
import { stateKey, type AlertState } from '../../src/alerts/plan-alerts.js';
import type { Finding } from '../../src/core/finding.js';
import { finding } from '../support/findings.js';

const T1 = '2026-11-01T00:00:00.000Z';
const T2 = '2026-11-15T00:00:00.000Z';
const T3 = '2026-11-29T00:00:00.000Z';
/** A finding's state in one route: first seen, last seen and last notified, as given. */
const inRoute = (route: string, f: Finding, seen: { first?: string; last?: string; notified?: string | null } = {}): AlertState => ({
  key: stateKey(route, f.id),
  route,
  finding: f,
  firstSeen: seen.first ?? T1,
  lastSeen: seen.last ?? T3,
  lastNotified: seen.notified === undefined ? T2 : seen.notified,
});
const unmuted: FindingFilter = { muted: false };
const tokenIds = (fs: readonly Finding[]) => fs.map((f) => f.tokenId);

describe('openFindings', () => {
  it('gives a finding of one route with its dates and that route', () => {
    const f = finding(1);
    expect(openFindings([inRoute('oncall', f)], unmuted)).toEqual([{ ...f, firstSeen: T1, lastSeen: T3, lastNotified: T2, routes: ['oncall'] }]);
  });

  it('gives a finding of several routes once, with the earliest first seen, the latest last seen and its routes sorted', () => {
    const f = finding(1);
    const states = [inRoute('security', f, { first: T2, last: T2 }), inRoute('default', f, { first: T1, last: T3 }), inRoute('oncall', f, { first: T3, last: T1 })];
    expect(openFindings(states, unmuted)).toEqual([{ ...f, firstSeen: T1, lastSeen: T3, lastNotified: T2, routes: ['default', 'oncall', 'security'] }]);
  });

  it('keeps the earliest first seen and the latest last seen whichever route comes first', () => {
    const f = finding(1);
    const [merged] = openFindings([inRoute('a', f, { first: T1, last: T3 }), inRoute('b', f, { first: T2, last: T2 })], unmuted);
    expect([merged?.firstSeen, merged?.lastSeen]).toEqual([T1, T3]);
  });

  it('describes the finding as the route that saw it last has it', () => {
    const old = finding(1, 'stale', 'medium', { message: 'Not used for 100 days.' });
    const fresh = { ...old, message: 'Not used for 120 days.' };
    const first = openFindings([inRoute('a', old, { last: T2 }), inRoute('b', fresh, { last: T3 })], unmuted);
    const second = openFindings([inRoute('b', fresh, { last: T3 }), inRoute('a', old, { last: T2 })], unmuted);
    expect([first[0]?.message, second[0]?.message]).toEqual(['Not used for 120 days.', 'Not used for 120 days.']);
  });

  it('keeps the copy it met first when two routes saw the finding at the same time', () => {
    const a = finding(1, 'stale', 'medium', { message: 'first' });
    const [merged] = openFindings([inRoute('a', a), inRoute('b', { ...a, message: 'second' })], unmuted);
    expect(merged?.message).toBe('first');
  });

  it('gives the latest time any route was told, whichever route comes first', () => {
    const f = finding(1);
    const told = (a: string | null, b: string | null) => openFindings([inRoute('a', f, { notified: a }), inRoute('b', f, { notified: b })], unmuted)[0]?.lastNotified;
    expect([told(T1, T2), told(T2, T1), told(null, T2), told(T2, null), told(null, null)]).toEqual([T2, T2, T2, T2, null]);
  });

  it('gives only unmuted findings, or only muted ones when asked', () => {
    const states = [inRoute('default', finding(1)), inRoute('default', finding(2, 'stale', 'medium', { muted: true, muteReason: 'known' }))];
    expect(tokenIds(openFindings(states, { muted: false }))).toEqual([1]);
    expect(tokenIds(openFindings(states, { muted: true }))).toEqual([2]);
  });

  it('gives findings at or above the severity asked for', () => {
    const states = [inRoute('default', finding(1, 'stale', 'low')), inRoute('default', finding(2, 'stale', 'medium')), inRoute('default', finding(3, 'stale', 'high'))];
    expect(tokenIds(openFindings(states, { muted: false, severity: 'medium' }))).toEqual([3, 2]);
  });

  it('gives findings of the rule asked for', () => {
    const states = [inRoute('default', finding(1, 'stale')), inRoute('default', finding(2, 'never-used'))];
    expect(tokenIds(openFindings(states, { muted: false, rule: 'never-used' }))).toEqual([2]);
  });

  it('gives findings of the account asked for', () => {
    const states = [inRoute('default', finding(1)), inRoute('default', finding(2, 'stale', 'medium', { clientId: 789 }))];
    expect(tokenIds(openFindings(states, { muted: false, clientId: 789 }))).toEqual([2]);
  });

  it('gives findings of the owner asked for, case aside, and none of a token without owner', () => {
    const states = [inRoute('default', finding(1, 'stale', 'medium', { owner: 'Ops@Example.com' })), inRoute('default', finding(2)), inRoute('default', finding(3, 'stale', 'medium', { owner: null }))];
    expect(tokenIds(openFindings(states, { muted: false, owner: 'ops@example.COM' }))).toEqual([1]);
    expect(tokenIds(openFindings(states, { muted: false, owner: 'platform-team' }))).toEqual([2]);
  });

  it('applies every filter given at once', () => {
    const states = [
      inRoute('default', finding(1, 'stale', 'high')),
      inRoute('default', finding(2, 'stale', 'high', { clientId: 789 })),
      inRoute('default', finding(3, 'never-used', 'high', { clientId: 789 })),
      inRoute('default', finding(4, 'stale', 'low', { clientId: 789 })),
      inRoute('default', finding(5, 'stale', 'high', { clientId: 789, owner: 'someone-else' })),
    ];
    expect(tokenIds(openFindings(states, { muted: false, severity: 'high', rule: 'stale', clientId: 789, owner: 'platform-team' }))).toEqual([2]);
  });

  it('gives every finding when no filter but muted is given, most severe first (the report order)', () => {
    const states = [
      inRoute('default', finding(3, 'stale', 'low')),
      inRoute('default', finding(2, 'never-used', 'critical', { clientId: 789 })),
      inRoute('default', finding(1, 'stale', 'medium')),
      inRoute('default', finding(4, 'stale', 'medium')),
    ];
    expect(tokenIds(openFindings(states, unmuted))).toEqual([2, 1, 4, 3]);
    expect(openFindings([], unmuted)).toEqual([]);
  });
});
