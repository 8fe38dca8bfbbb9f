import { describe, expect, it } from '@jest/globals';
import { LIST_ALL_COMMAND, type Digest, type DigestSection } from '../../src/alerts/digest.js';
import { fitDigest, hasNews, planDigest, tokenEntries, type DigestInput, type DigestLevel } from '../../src/alerts/plan-digest.js';
import type { AlertState, RoutePlan } from '../../src/alerts/plan-alerts.js';
import type { Finding } from '../../src/core/finding.js';
import { finding } from '../support/findings.js';
import { NOW, daysBefore } from '../support/tokens.js';

const routePlan = (overrides: Partial<RoutePlan> = {}): RoutePlan => ({
  route: 'default',
  newFindings: [],
  reminders: [],
  resolved: [],
  open: [],
  muted: 0,
  belowMinSeverity: 0,
  ...overrides,
});
const input = (plan: RoutePlan, overrides: Partial<DigestInput> = {}): DigestInput => ({
  plan,
  stateless: false,
  runId: 'r1',
  trigger: 'schedule',
  minSeverity: 'low',
  detailSeverity: 'high',
  now: NOW,
  moreCommand: LIST_ALL_COMMAND,
  ...overrides,
});
const FULL: DigestLevel = { detailRank: 3, resolvedDetail: true, criticalLimit: Infinity };
const section = <K extends DigestSection['kind']>(d: Digest, kind: K) => d.sections.find((s): s is Extract<DigestSection, { kind: K }> => s.kind === kind);
const critical = (id: number) => finding(id, 'never-expiring-admin', 'critical', { message: 'Administrators token that never expires.' });
const high = (id: number) => finding(id, 'orphaned', 'high');
const medium = (id: number) => finding(id, 'stale', 'medium');
const low = (id: number) => finding(id, 'never-used', 'low');
const state = (f: Finding, firstSeenDaysAgo: number): AlertState => ({
  key: `default/${f.id}`,
  route: 'default',
  finding: f,
  firstSeen: daysBefore(firstSeenDaysAgo).toISOString(),
  lastSeen: NOW.toISOString(),
  lastNotified: daysBefore(8).toISOString(),
});

describe('tokenEntries', () => {
  it('gives one entry per token, its rules highest severity first, the most severe tokens first', () => {
    const entries = tokenEntries([medium(2), low(1), critical(1), medium(1)]);
    expect(entries.map((e) => [e.tokenId, e.severity, e.rules.map((r) => r.rule)])).toEqual([
      [1, 'critical', ['never-expiring-admin', 'stale', 'never-used']],
      [2, 'medium', ['stale']],
    ]);
  });

  it('keeps tokens of different accounts apart, and groups an account-level finding by account', () => {
    const gap = finding(0, 'coverage-gap', 'high', { tokenId: null, tokenName: null, clientId: 9, accountName: 'staging' });
    const entries = tokenEntries([medium(1), finding(1, 'stale', 'medium', { clientId: 789 }), gap]);
    expect(entries).toHaveLength(3);
    expect(entries[0]).toMatchObject({ tokenId: null, accountName: 'staging', severity: 'high' });
  });
});

describe('planDigest', () => {
  it('tells the whole state in the headline, and what it left out in the context', () => {
    const open = [critical(1), high(2), high(3), medium(4)];
    const d = planDigest(
      input(routePlan({ newFindings: [high(2)], resolved: [{ finding: medium(9), reason: 'deleted' }], open, muted: 2, belowMinSeverity: 3 }), { minSeverity: 'medium' }),
      FULL,
    );
    expect(d.headline).toBe('1 new · 1 resolved · 4 open (1 critical, 2 high)');
    expect(d.context).toBe('Run r1 (scheduled) · 2 muted · 3 below medium, not posted');
    const stateless = planDigest(input(routePlan({ newFindings: open, open }), { stateless: true, trigger: 'audit' }), FULL);
    expect(stateless.headline).toBe('4 open (1 critical, 2 high)');
    expect(stateless.context).toBe('One-shot audit r1');
    expect(section(stateless, 'new')?.title).toBe('Open findings');
    expect(planDigest(input(routePlan({ newFindings: [low(1)], open: [low(1)] }), { trigger: 'manual' }), FULL).context).toBe('Run r1 (manual)');
  });

  it('tells tokens at or above detailSeverity one by one, rolls up the rest by rule, and carries only the shown rules’ remediation', () => {
    const fresh = [critical(1), medium(1), high(2), ...Array.from({ length: 7 }, (_, i) => low(10 + i)), medium(20)];
    const d = planDigest(input(routePlan({ newFindings: fresh, open: fresh })), FULL);
    const s = section(d, 'new');
    expect(s?.entries.map((e) => e.tokenId)).toEqual([1, 2]);
    expect(s?.entries[0]?.rules.map((r) => r.rule)).toEqual(['never-expiring-admin', 'stale']);
    expect(s?.rollups).toEqual([
      { rule: 'stale', severity: 'medium', count: 1, names: ['token-20'] },
      { rule: 'never-used', severity: 'low', count: 7, names: ['token-10', 'token-11', 'token-12'] },
    ]);
    expect(s?.hidden).toBeNull();
    expect(Object.keys(d.remediation).sort()).toEqual(['never-expiring-admin', 'orphaned', 'stale']);
  });

  it('tells resolved tokens one line each up to a handful, then by rule with their reasons', () => {
    const few = [medium(1), low(1), high(2)].map((f) => ({ finding: f, reason: 'deleted' as const }));
    const d = planDigest(input(routePlan({ resolved: few })), FULL);
    expect(section(d, 'resolved')?.entries.map((e) => [e.entry.tokenId, e.entry.rules.length, e.reason])).toEqual([
      [1, 2, 'deleted'],
      [2, 1, 'deleted'],
    ]);
    const many = Array.from({ length: 11 }, (_, i) => ({ finding: medium(i + 1), reason: i < 8 ? ('used again' as const) : ('deleted' as const) }));
    const rolled = section(planDigest(input(routePlan({ resolved: many })), FULL), 'resolved');
    expect(rolled?.entries).toEqual([]);
    expect(rolled?.rollups).toEqual([{ rule: 'stale', count: 11, reasons: [{ reason: 'used again', count: 8 }, { reason: 'deleted', count: 3 }] }]);
  });

  it('reminds by rule and severity with the age of the oldest, naming the critical tokens', () => {
    const reminders = [state(critical(1), 30), state(medium(1), 9), state(medium(2), 12), state(high(3), 8)];
    const d = planDigest(input(routePlan({ reminders, open: reminders.map((s) => s.finding) })), FULL);
    const s = section(d, 'reminder');
    expect(s?.rollups.map((r) => [r.rule, r.severity, r.count, r.oldestDays])).toEqual([
      ['never-expiring-admin', 'critical', 1, 30],
      ['orphaned', 'high', 1, 8],
      ['stale', 'medium', 2, 12],
    ]);
    expect(s?.named.map((e) => e.tokenId)).toEqual([1]);
    expect(s?.hidden).toBeNull();
    expect(d.headline).toBe('0 new · 0 resolved · 4 open (1 critical, 1 high)');
  });

  it('names at most criticalLimit critical tokens and counts the others with the command', () => {
    const fresh = Array.from({ length: 5 }, (_, i) => critical(i + 1));
    const d = planDigest(
      input(routePlan({ newFindings: fresh, reminders: fresh.map((f) => state(f, 10)), open: fresh })),
      { detailRank: 4, resolvedDetail: false, criticalLimit: 2 },
    );
    expect(section(d, 'new')?.entries).toHaveLength(2);
    expect(section(d, 'new')?.hidden).toEqual({ count: 3, command: LIST_ALL_COMMAND });
    expect(section(d, 'new')?.rollups).toEqual([{ rule: 'never-expiring-admin', severity: 'critical', count: 3, names: ['token-3', 'token-4', 'token-5'] }]);
    expect(section(d, 'reminder')?.named).toHaveLength(2);
    expect(section(d, 'reminder')?.hidden).toEqual({ count: 3, command: LIST_ALL_COMMAND });
  });
});

describe('hasNews', () => {
  it('is false when nothing changed, is due or is noted, however much is open', () => {
    expect(hasNews({ plan: routePlan({ open: [critical(1)] }) })).toBe(false);
    expect(hasNews({ plan: routePlan({ open: [critical(1)] }), notes: ['Mute m1 lapsed'] })).toBe(true);
    expect(hasNews({ plan: routePlan({ resolved: [{ finding: low(1), reason: 'expired' }] }) })).toBe(true);
  });
});

describe('fitDigest', () => {
  const entriesOf = (d: Digest) => section(d, 'new')?.entries ?? [];

  it('keeps everything when it fits', () => {
    const fresh = [critical(1), high(2), medium(3)];
    const d = fitDigest(input(routePlan({ newFindings: fresh, resolved: [{ finding: low(9), reason: 'deleted' }] })), () => 1, 1);
    expect(entriesOf(d).map((e) => e.tokenId)).toEqual([1, 2]);
    expect(section(d, 'resolved')?.entries).toHaveLength(1);
  });

  it('rolls up resolved tokens first, then new tokens lowest severity first', () => {
    const fresh = [critical(1), high(2), medium(3)];
    const plan = routePlan({ newFindings: fresh, resolved: [{ finding: low(9), reason: 'deleted' }] });
    // a message for the resolved lines and one per two detailed tokens
    const count = (d: Digest) => (section(d, 'resolved')?.entries.length ?? 0) + Math.ceil(entriesOf(d).length / 2);
    const two = fitDigest(input(plan, { detailSeverity: 'medium' }), count, 2);
    expect(entriesOf(two).map((e) => e.tokenId)).toEqual([1, 2, 3]);
    expect(section(two, 'resolved')?.entries).toEqual([]);
    const one = fitDigest(input(plan, { detailSeverity: 'medium' }), count, 1);
    expect(entriesOf(one).map((e) => e.tokenId)).toEqual([1, 2]);
    expect(section(one, 'new')?.rollups.map((r) => r.rule)).toEqual(['stale']);
  });
  it('never rolls critical tokens up silently: when they alone overflow, it names what fits and counts the rest', () => {
    const fresh = Array.from({ length: 12 }, (_, i) => critical(i + 1));
    // one message per five critical tokens named
    const count = (d: Digest) => 1 + Math.floor(entriesOf(d).length / 5);
    const d = fitDigest(input(routePlan({ newFindings: fresh, open: fresh })), count, 1);
    expect(entriesOf(d)).toHaveLength(4);
    expect(section(d, 'new')?.hidden).toEqual({ count: 8, command: LIST_ALL_COMMAND });
  });
});

