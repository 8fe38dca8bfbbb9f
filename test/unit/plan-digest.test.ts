import { describe, expect, it } from '@jest/globals';
import { LIST_ALL_COMMAND, type Digest, type DigestSection } from '../../src/alerts/digest.js';
import { entryName, fitDigest, hasNews, planDigest, tokenEntries, type DigestInput, type DigestLevel } from '../../src/alerts/plan-digest.js';
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

  it('keeps apart the gaps of accounts whose id could not be learnt, by account name', () => {
    const gap = (accountName: string) => finding(0, 'coverage-gap', 'high', { tokenId: null, tokenName: null, clientId: null, accountName });
    expect(tokenEntries([gap('staging'), gap('prod'), gap('staging')]).map((e) => [e.accountName, e.rules.length])).toEqual([
      ['staging', 2],
      ['prod', 1],
    ]);
  });

  it('marks a token whose dates could not be read (no creation date) as not read', () => {
    expect(tokenEntries([medium(1), medium(2), finding(2, 'audit-failed', 'high', { created: null })]).map((e) => [e.tokenId, e.read])).toEqual([
      [2, false],
      [1, true],
    ]);
  });

  it('orders tokens of one severity by account, then by token, an account-level entry first', () => {
    const gap = finding(0, 'coverage-gap', 'medium', { tokenId: null, tokenName: null, clientId: null, accountName: 'staging' });
    const entries = tokenEntries([finding(1, 'stale', 'medium', { clientId: 789 }), medium(2), gap, medium(1), finding(3, 'stale', 'medium', { clientId: 123 })]);
    expect(entries.map((e) => [e.clientId, e.tokenId])).toEqual([
      [null, null],
      [123, 3],
      [456, 1],
      [456, 2],
      [789, 1],
    ]);
  });
});

describe('entryName', () => {
  const unnamed = { tokenId: null, tokenName: null, clientId: null, accountName: null };

  it('names a token by its name, else by its id', () => {
    expect(entryName({ ...unnamed, clientId: 456, tokenId: 7, tokenName: 'ci' })).toBe('ci');
    expect(entryName({ ...unnamed, clientId: 456, tokenId: 7 })).toBe('token 7');
  });

  it('names an account-level entry by the account name, else by its id, else with a question mark', () => {
    expect(entryName({ ...unnamed, clientId: 9, accountName: 'staging' })).toBe('staging');
    expect(entryName({ ...unnamed, clientId: 9 })).toBe('account 9');
    expect(entryName(unnamed)).toBe('account ?');
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

describe('planDigest sections', () => {
  it('has no section at all when nothing is new, due, resolved or noted', () => {
    expect(planDigest(input(routePlan({ open: [critical(1)] })), FULL).sections).toEqual([]);
  });

  it('puts the mute notes first, under "Mutes", and no notes section for an empty list', () => {
    const plan = routePlan({ newFindings: [high(1)] });
    expect(planDigest(input(plan, { notes: ['🔇 bob muted stale on account 456'] }), FULL).sections[0]).toEqual({
      kind: 'notes',
      title: 'Mutes',
      lines: ['🔇 bob muted stale on account 456'],
    });
    expect(planDigest(input(plan, { notes: [] }), FULL).sections.map((x) => x.kind)).toEqual(['new']);
  });

  it('gives only the sections with something in them', () => {
    const resolvedOnly = planDigest(input(routePlan({ resolved: [{ finding: low(1), reason: 'expired' }] })), FULL);
    expect(resolvedOnly.sections.map((x) => [x.kind, x.title])).toEqual([['resolved', 'Resolved']]);
    const remindersOnly = planDigest(input(routePlan({ reminders: [state(medium(1), 9)] })), FULL);
    expect(remindersOnly.sections.map((x) => x.kind)).toEqual(['reminder']);
  });

  it('tells exactly a handful (10) of resolved tokens one by one', () => {
    const ten = Array.from({ length: 10 }, (_, i) => ({ finding: medium(i + 1), reason: 'deleted' as const }));
    const s = section(planDigest(input(routePlan({ resolved: ten })), FULL), 'resolved');
    expect(s?.entries).toHaveLength(10);
    expect(s?.rollups).toEqual([]);
  });

  it('lists the reasons of resolved findings of a rule most frequent first', () => {
    const resolved = Array.from({ length: 11 }, (_, i) => ({ finding: medium(i + 1), reason: i < 2 ? ('deleted' as const) : ('used again' as const) }));
    expect(section(planDigest(input(routePlan({ resolved })), FULL), 'resolved')?.rollups).toEqual([
      { rule: 'stale', count: 11, reasons: [{ reason: 'used again', count: 9 }, { reason: 'deleted', count: 2 }] },
    ]);
  });

  it('rolls up rules of one severity by count, the largest first', () => {
    const fresh = [finding(1, 'never-used', 'low'), finding(2, 'orphaned', 'low'), finding(3, 'orphaned', 'low'), finding(4, 'stale', 'low'), finding(5, 'stale', 'low'), finding(6, 'stale', 'low')];
    const rollups = section(planDigest(input(routePlan({ newFindings: fresh })), FULL), 'new')?.rollups;
    expect(rollups?.map((r) => [r.rule, r.count])).toEqual([
      ['stale', 3],
      ['orphaned', 2],
      ['never-used', 1],
    ]);
  });

  it('ages each reminder roll-up by its own rule and severity only', () => {
    const reminders = [state(finding(1, 'stale', 'medium'), 40), state(finding(2, 'orphaned', 'medium'), 10), state(finding(3, 'orphaned', 'high'), 20)];
    const s = section(planDigest(input(routePlan({ reminders })), FULL), 'reminder');
    expect(s?.rollups.map((r) => [r.rule, r.severity, r.oldestDays])).toEqual([
      ['orphaned', 'high', 20],
      ['orphaned', 'medium', 10],
      ['stale', 'medium', 40],
    ]);
  });

  it('limits the number of critical tokens named, never the high ones', () => {
    const fresh = [critical(1), critical(2), high(3), high(4)];
    const s = section(planDigest(input(routePlan({ newFindings: fresh })), { detailRank: 3, resolvedDetail: true, criticalLimit: 1 }), 'new');
    expect(s?.entries.map((e) => e.tokenId)).toEqual([1, 3, 4]);
    expect(s?.hidden).toEqual({ count: 1, command: LIST_ALL_COMMAND });
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

  it('names what fits of the critical tokens only reminded, when they alone overflow', () => {
    const reminders = Array.from({ length: 12 }, (_, i) => state(critical(i + 1), 10));
    const count = (d: Digest) => 1 + Math.floor((section(d, 'reminder')?.named.length ?? 0) / 5);
    const d = fitDigest(input(routePlan({ reminders })), count, 1);
    expect(section(d, 'reminder')?.named.map((e) => e.tokenId)).toEqual([1, 2, 3, 4]);
    expect(section(d, 'reminder')?.hidden).toEqual({ count: 8, command: LIST_ALL_COMMAND });
  });

  it('rolls resolved tokens up while it names what fits of the critical tokens', () => {
    const fresh = Array.from({ length: 12 }, (_, i) => critical(i + 1));
    // as above, and one more message when resolved tokens are told one by one
    const count = (d: Digest) => 1 + Math.floor(entriesOf(d).length / 5) + (section(d, 'resolved')?.entries.length ?? 0);
    const d = fitDigest(input(routePlan({ newFindings: fresh, resolved: [{ finding: low(20), reason: 'deleted' }] })), count, 1);
    expect(entriesOf(d)).toHaveLength(4);
    expect(section(d, 'resolved')).toMatchObject({ entries: [], rollups: [{ rule: 'never-used', count: 1 }] });
  });
});

