import { describe, expect, it } from '@jest/globals';
import { planAlerts, type AlertState, type RunCoverage } from '../../src/alerts/plan-alerts.js';
import type { Finding } from '../../src/core/finding.js';
import { finding } from '../support/findings.js';
import { NOW } from '../support/tokens.js';

const HOUR = 3_600_000;
const options = { now: NOW, minSeverity: 'low' as const, renotifyAfterHours: 168 };
const account = { clientId: 456, label: 'account 456', error: null };
const saw = (...tokenIds: number[]): RunCoverage => ({
  accounts: [account],
  results: tokenIds.map((tokenId) => ({ clientId: 456, tokenId, status: 'audited' as const })),
});
const state = (f: Finding, lastNotified: Date | null = new Date(NOW.getTime() - HOUR)): AlertState => ({
  finding: f,
  firstSeen: '2026-11-01T00:00:00.000Z',
  lastSeen: '2026-11-28T00:00:00.000Z',
  lastNotified: lastNotified?.toISOString() ?? null,
});
const prev = (...states: AlertState[]) => new Map(states.map((s) => [s.finding.id, s]));

describe('planAlerts', () => {
  it('posts a finding seen for the first time as new', () => {
    const plan = planAlerts(new Map(), [finding(1)], saw(1), options);
    expect(plan.newFindings.map((f) => f.tokenId)).toEqual([1]);
    expect(plan.upserts[0]).toMatchObject({ firstSeen: NOW.toISOString(), lastSeen: NOW.toISOString(), lastNotified: NOW.toISOString() });
  });

  it('posts nothing for a finding already notified within the interval', () => {
    const plan = planAlerts(prev(state(finding(1))), [finding(1)], saw(1), options);
    expect([plan.newFindings, plan.reminders, plan.resolved]).toEqual([[], [], []]);
    expect(plan.upserts[0]?.firstSeen).toBe('2026-11-01T00:00:00.000Z');
  });

  it('reminds once renotifyAfterHours have passed since the last notification, not before', () => {
    const notified = (h: number) => prev(state(finding(1), new Date(NOW.getTime() - h * HOUR)));
    expect(planAlerts(notified(167.9), [finding(1)], saw(1), options).reminders).toEqual([]);
    const plan = planAlerts(notified(168), [finding(1)], saw(1), options);
    expect(plan.reminders.map((f) => f.tokenId)).toEqual([1]);
    expect(plan.upserts[0]?.lastNotified).toBe(NOW.toISOString());
  });

  it('resolves a finding whose token was read without it, and posts the resolution if it had been posted', () => {
    const plan = planAlerts(prev(state(finding(1)), state(finding(2), null)), [], saw(1, 2), options);
    expect(plan.resolvedIds.sort()).toEqual([finding(1).id, finding(2).id].sort());
    expect(plan.resolved.map((f) => f.tokenId)).toEqual([1]); // 2 was never posted: it resolves silently
    expect(plan.open).toEqual([]);
  });

  it('keeps open the findings of a token that failed, or of an account it could not list', () => {
    const failed: RunCoverage = { accounts: [account], results: [{ clientId: 456, tokenId: 1, status: 'failed' }] };
    expect(planAlerts(prev(state(finding(1))), [], failed, options).resolvedIds).toEqual([]);
    const unlisted: RunCoverage = { accounts: [{ ...account, error: 'could not list tokens' }], results: [] };
    const plan = planAlerts(prev(state(finding(1))), [], unlisted, options);
    expect(plan.resolvedIds).toEqual([]);
    expect(plan.open.map((s) => s.finding.tokenId)).toEqual([1]);
  });

  it('resolves the findings of a token that left an account it listed', () => {
    expect(planAlerts(prev(state(finding(1))), [], saw(), options).resolvedIds).toEqual([finding(1).id]);
  });

  it('keeps muted findings out, and posts one as new when its mute lapses', () => {
    const muted = finding(1, 'stale', 'medium', { muted: true, muteReason: 'known' });
    const quiet = planAlerts(prev(state(finding(1))), [muted], saw(1), options);
    expect(quiet.newFindings).toEqual([]);
    expect(quiet.upserts[0]?.lastNotified).toBeNull();
    const lapsed = planAlerts(new Map(quiet.upserts.map((s) => [s.finding.id, s])), [finding(1)], saw(1), options);
    expect(lapsed.newFindings.map((f) => f.tokenId)).toEqual([1]);
  });

  it('leaves findings below minSeverity out until they rise above it', () => {
    const low = finding(1, 'expiring-soon', 'low');
    const plan = planAlerts(new Map(), [low], saw(1), { ...options, minSeverity: 'medium' });
    expect(plan.newFindings).toEqual([]);
    expect(plan.upserts[0]?.lastNotified).toBeNull();
  });

  it('treats a finding that comes back after being resolved as new', () => {
    const resolvedRun = planAlerts(prev(state(finding(1))), [], saw(1), options);
    const remaining = new Map([...prev(state(finding(1)))].filter(([id]) => !resolvedRun.resolvedIds.includes(id)));
    expect(planAlerts(remaining, [finding(1)], saw(1), options).newFindings.length).toBe(1);
  });
});
