import { describe, expect, it } from '@jest/globals';
import { LIST_ALL_COMMAND, listingCommand, type Digest, type DigestSection } from '../../src/alerts/digest.js';
import { FULL_LEVEL as FULL, entryName, fitDigest, hasNews, planDigest, tokenEntries, type DigestInput } from '../../src/alerts/plan-digest.js';
import type { AlertState, RoutePlan } from '../../src/alerts/plan-alerts.js';
import type { Finding } from '../../src/core/finding.js';
import type { Severity } from '../../src/core/severity.js';
import { tallyOpen } from '../../src/alerts/open-tally.js';
import { finding } from '../support/findings.js';
import { NOW, daysBefore } from '../support/tokens.js';

/** A route's plan by hand; `open` lists its open findings, counted as planAlerts counts them at `minSeverity`. */
const routePlan = ({ open = [], ...overrides }: Partial<Omit<RoutePlan, 'open'>> & { open?: readonly Finding[] } = {}, minSeverity: Severity = 'low'): RoutePlan => ({
  route: 'default',
  newFindings: [],
  reminders: [],
  resolved: [],
  open: tallyOpen(open, minSeverity),
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
  listing: 'findings',
  ...overrides,
});
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

describe('listingCommand', () => {
  it('for the worker and plan: `findings` with the filters it takes', () => {
    expect(listingCommand('findings')).toBe('gcore-token-audit findings');
    expect(listingCommand('findings', { rule: 'orphaned', clientId: 456 })).toBe('gcore-token-audit findings --rule orphaned --account 456');
    expect(listingCommand('findings', { severity: 'critical', clientId: null })).toBe('gcore-token-audit findings --severity critical');
  });

  it('for audit --notify (no Redis): the audit itself, narrowed with jq to the same findings', () => {
    expect(listingCommand('audit')).toBe(LIST_ALL_COMMAND);
    expect(LIST_ALL_COMMAND).toBe('gcore-token-audit audit --format json');
    expect(listingCommand('audit', { rule: 'orphaned', clientId: 456 })).toBe(
      `gcore-token-audit audit --format json | jq '.findings[] | select(.rule == "orphaned" and .clientId == 456)'`,
    );
    expect(listingCommand('audit', { severity: 'high' })).toBe(`gcore-token-audit audit --format json | jq '.findings[] | select((.severity | IN("high", "critical")))'`);
  });
});

describe('planDigest', () => {
  it('counts in the headline what it shows, names what it leaves out, and tells the rest in the context', () => {
    const open = [critical(1), high(2), high(3), medium(4), finding(5, 'token-gone', 'info')];
    const d = planDigest(
      input(routePlan({ newFindings: [high(2)], resolved: [{ finding: medium(9), reason: 'deleted' }], open, muted: 2, belowMinSeverity: 1 }, 'medium'), { minSeverity: 'medium' }),
      FULL,
    );
    expect(d.headline).toBe('1 new · 1 resolved · 4 open (1 critical, 2 high) · 1 below medium not shown');
    expect(d.context).toBe('Run r1 (scheduled) · 2 muted · 1 below medium, not posted');
    expect(d.listAll).toBe('gcore-token-audit findings');
    const shown = open.slice(0, 4);
    const stateless = planDigest(input(routePlan({ newFindings: shown, open, belowMinSeverity: 1 }), { stateless: true, trigger: 'audit', listing: 'audit', minSeverity: 'low' }), FULL);
    // the demo's "14 open" above "Open findings (12)": the header now counts what the section shows
    expect(stateless.headline).toBe('4 open (1 critical, 2 high) · 1 below low not shown');
    expect(section(stateless, 'new')?.count).toBe(4);
    expect(stateless.context).toBe('One-shot audit r1 · 1 below low, not posted');
    expect(stateless.listAll).toBe(LIST_ALL_COMMAND);
    expect(section(stateless, 'new')?.title).toBe('Open findings');
    expect(planDigest(input(routePlan({ newFindings: [low(1)], open: [low(1)] }), { trigger: 'manual' }), FULL).context).toBe('Run r1 (manual)');
    // a coverage gap's account: its tokens' findings stay open (in the headline) and the context says why they were not read
    const gap = planDigest(input(routePlan({ newFindings: [high(2)], open, heldByGap: 3, muted: 1 })), FULL);
    expect(gap.headline).toBe('1 new · 0 resolved · 4 open (1 critical, 2 high)');
    expect(gap.context).toBe('Run r1 (scheduled) · 3 open held by a coverage gap (not read this run) · 1 muted');
  });

  it('says "here" and "in all" when the route sees only part of the run', () => {
    const open = [critical(1), high(2)];
    const part = planDigest(input(routePlan({ newFindings: [critical(1)], open }), { whole: { newFindings: 5, open: 9 } }), FULL);
    expect(part.headline).toBe('1 new here · 5 new in all · 0 resolved · 2 open here (1 critical, 1 high) · 9 open in all');
    const all = planDigest(input(routePlan({ newFindings: [critical(1)], open }), { whole: { newFindings: 1, open: 2 } }), FULL);
    expect(all.headline).toBe('1 new · 0 resolved · 2 open (1 critical, 1 high)');
    const stateless = planDigest(input(routePlan({ newFindings: open, open }), { stateless: true, whole: { newFindings: 3, open: 3 } }), FULL);
    expect(stateless.headline).toBe('2 open here (1 critical, 1 high) · 3 open in all');
  });

  it('opens with where the new findings are: accounts worst first with counts by severity, then owners', () => {
    const at = (id: number, clientId: number, f: (id: number) => Finding, owner: string | null = 'ops') => ({ ...f(id), clientId, accountName: `acct-${clientId}`, owner });
    const fresh = [at(1, 7, medium), at(2, 7, medium), at(3, 7, high), at(4, 8, critical, null), at(5, 9, low, 'dev'), at(6, 9, high, 'dev')];
    const d = planDigest(input(routePlan({ newFindings: fresh, open: fresh }), { notes: ['a note'] }), FULL);
    expect(d.sections.map((x) => x.kind)).toEqual(['triage', 'notes', 'new']);
    const t = section(d, 'triage');
    expect(t?.title).toBe('Where the new findings are');
    expect(t?.accounts.map((a) => [a.clientId, a.accountName, a.counts.map((c) => `${c.count} ${c.severity}`)])).toEqual([
      [8, 'acct-8', ['1 critical']],
      [7, 'acct-7', ['1 high', '2 medium']],
      [9, 'acct-9', ['1 high', '1 low']],
    ]);
    expect(t?.moreAccounts).toBe(0);
    expect(t?.owners.map((o) => [o.owner, o.counts.map((c) => `${c.count} ${c.severity}`)])).toEqual([
      ['ops', ['1 high', '2 medium']],
      ['dev', ['1 high', '1 low']],
    ]);
    expect(section(planDigest(input(routePlan({ newFindings: fresh }), { stateless: true }), FULL), 'triage')?.title).toBe('Where the findings are');
  });

  it('shows a handful of accounts and owners and counts the rest; no owner lines when no owner is known', () => {
    const fresh = Array.from({ length: 8 }, (_, i) => ({ ...medium(i + 1), clientId: 100 + i, owner: null }));
    const t = section(planDigest(input(routePlan({ newFindings: fresh })), FULL), 'triage');
    expect(t?.accounts).toHaveLength(5);
    expect(t?.moreAccounts).toBe(3);
    expect(t?.owners).toEqual([]);
    expect(t?.moreOwners).toBe(0);
    const owned = section(planDigest(input(routePlan({ newFindings: fresh.map((f, i) => ({ ...f, owner: `o${i}` })) })), FULL), 'triage');
    expect(owned?.owners).toHaveLength(5);
    expect(owned?.moreOwners).toBe(3);
  });

  it('has no triage without new findings', () => {
    expect(planDigest(input(routePlan({ reminders: [state(medium(1), 9)] })), FULL).sections.map((x) => x.kind)).toEqual(['reminder']);
  });

  it('names tokens at or above detailSeverity under their highest rule, with its remediation, and rolls up the rest by rule and account', () => {
    const fresh = [critical(1), medium(1), high(2), ...Array.from({ length: 7 }, (_, i) => low(10 + i)), medium(20)];
    const d = planDigest(input(routePlan({ newFindings: fresh, open: fresh })), FULL);
    const s = section(d, 'new');
    expect(s?.count).toBe(fresh.length);
    expect(s?.groups.map((g) => [g.rule, g.severity, g.count, g.entries.map((e) => e.tokenId), g.rest])).toEqual([
      ['never-expiring-admin', 'critical', 1, [1], null],
      ['orphaned', 'high', 1, [2], null],
    ]);
    expect(s?.groups[0]?.remediation).toMatch(/^Replace it with an Administrators token/);
    expect(s?.groups[0]?.entries[0]?.rules.map((r) => [r.rule, r.message])).toEqual([
      ['never-expiring-admin', 'Administrators token that never expires.'],
      ['stale', 'Not used for 212 days (limit: 90 days).'],
    ]);
    expect(s?.rollups).toEqual([
      {
        rule: 'stale',
        severity: 'medium',
        count: 1,
        accounts: [{ clientId: 456, accountName: null, count: 1 }],
        moreAccounts: 0,
        examples: [{ tokenId: 20, tokenName: 'token-20', clientId: 456, accountName: null }],
        command: 'gcore-token-audit findings --rule stale --account 456',
      },
      {
        rule: 'never-used',
        severity: 'low',
        count: 7,
        accounts: [{ clientId: 456, accountName: null, count: 7 }],
        moreAccounts: 0,
        examples: [10, 11, 12].map((id) => ({ tokenId: id, tokenName: `token-${id}`, clientId: 456, accountName: null })),
        command: 'gcore-token-audit findings --rule never-used --account 456',
      },
    ]);
  });

  it('counts a roll-up per account, the largest first, a handful and "+N more", the command without --account when it spans several', () => {
    const fresh = Array.from({ length: 21 }, (_, i) => ({ ...medium(i + 1), clientId: 100 + (i < 6 ? 0 : i) }));
    const r = section(planDigest(input(routePlan({ newFindings: fresh })), FULL), 'new')?.rollups[0];
    expect(r?.count).toBe(21);
    expect(r?.accounts.map((a) => [a.clientId, a.count])).toEqual([
      [100, 6],
      [106, 1],
      [107, 1],
      [108, 1],
      [109, 1],
    ]);
    expect(r?.moreAccounts).toBe(11);
    expect(r?.command).toBe('gcore-token-audit findings --rule stale');
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

  it('names at most `named` tokens, most severe first, and counts the others by account under their rule with the command', () => {
    const fresh = Array.from({ length: 5 }, (_, i) => critical(i + 1));
    const d = planDigest(input(routePlan({ newFindings: fresh, reminders: fresh.map((f) => state(f, 10)), open: fresh })), {
      resolvedDetail: false,
      messages: false,
      named: 2,
    });
    const g = section(d, 'new')?.groups[0];
    expect(g?.entries.map((e) => e.tokenId)).toEqual([1, 2]);
    expect(g?.count).toBe(5);
    expect(g?.rest).toEqual({ count: 3, accounts: [{ clientId: 456, accountName: null, count: 3 }], moreAccounts: 0, command: 'gcore-token-audit findings --rule never-expiring-admin --account 456' });
    expect(section(d, 'new')?.rollups).toEqual([]);
    expect(section(d, 'reminder')?.named).toHaveLength(2);
    expect(section(d, 'reminder')?.hidden).toEqual({ count: 3, command: 'gcore-token-audit findings --severity critical' });
  });

  it('without messages, a named token keeps its rules but not their sentences', () => {
    const d = planDigest(input(routePlan({ newFindings: [critical(1), medium(1)] })), { resolvedDetail: true, messages: false, named: Infinity });
    expect(section(d, 'new')?.groups[0]?.entries[0]?.rules.map((r) => [r.rule, r.message])).toEqual([
      ['never-expiring-admin', ''],
      ['stale', ''],
    ]);
  });

  it('tells every new finding exactly once: on a named token’s line, counted in its group, or in a roll-up', () => {
    // token 1: critical + medium, token 2: high + high (two rules), token 3: medium
    const fresh = [critical(1), medium(1), high(2), finding(2, 'stale', 'high'), medium(3)];
    for (const named of [0, 1, 2, Infinity]) {
      const s = section(planDigest(input(routePlan({ newFindings: fresh })), { resolvedDetail: true, messages: true, named }), 'new');
      const told =
        (s?.groups.reduce((a, g) => a + g.entries.reduce((b, e) => b + e.rules.length, 0) + (g.rest?.count ?? 0), 0) ?? 0) +
        (s?.rollups.reduce((a, r) => a + r.count, 0) ?? 0);
      expect([named, told]).toEqual([named, fresh.length]);
    }
    const none = section(planDigest(input(routePlan({ newFindings: fresh })), { resolvedDetail: true, messages: true, named: 0 }), 'new');
    expect(none?.rollups.map((r) => [r.rule, r.severity, r.count])).toEqual([
      ['stale', 'high', 1],
      ['stale', 'medium', 2],
    ]);
  });
});

describe('planDigest sections', () => {
  it('has no section at all when nothing is new, due, resolved or noted', () => {
    expect(planDigest(input(routePlan({ open: [critical(1)] })), FULL).sections).toEqual([]);
  });

  it('puts the mute notes after the triage, under "Mutes", and no notes section for an empty list', () => {
    const plan = routePlan({ newFindings: [high(1)] });
    expect(planDigest(input(plan, { notes: ['🔇 bob muted stale on account 456'] }), FULL).sections[1]).toEqual({
      kind: 'notes',
      title: 'Mutes',
      lines: ['🔇 bob muted stale on account 456'],
    });
    expect(planDigest(input(plan, { notes: [] }), FULL).sections.map((x) => x.kind)).toEqual(['triage', 'new']);
    expect(planDigest(input(routePlan(), { notes: ['n'] }), FULL).sections.map((x) => x.kind)).toEqual(['notes']);
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

  it('orders rule groups most severe first, then the largest', () => {
    const fresh = [high(1), finding(2, 'stale', 'high'), finding(3, 'stale', 'high'), critical(4)];
    const groups = section(planDigest(input(routePlan({ newFindings: fresh })), FULL), 'new')?.groups;
    expect(groups?.map((g) => [g.rule, g.count])).toEqual([
      ['never-expiring-admin', 1],
      ['stale', 2],
      ['orphaned', 1],
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

  it('names critical tokens before high ones when it cannot name all', () => {
    const fresh = [high(3), high(4), critical(1), critical(2)];
    const s = section(planDigest(input(routePlan({ newFindings: fresh })), { resolvedDetail: true, messages: true, named: 3 }), 'new');
    expect(s?.groups.map((g) => [g.rule, g.entries.map((e) => e.tokenId), g.rest?.count ?? 0])).toEqual([
      ['never-expiring-admin', [1, 2], 0],
      ['orphaned', [3], 1],
    ]);
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
  const named = (d: Digest) => section(d, 'new')?.groups.flatMap((g) => g.entries) ?? [];
  const withMessages = (d: Digest) => named(d).some((e) => e.rules.some((r) => r.message !== ''));

  it('keeps everything when it fits', () => {
    const fresh = [critical(1), high(2), medium(3)];
    const d = fitDigest(input(routePlan({ newFindings: fresh, resolved: [{ finding: low(9), reason: 'deleted' }] })), () => 1, 1);
    expect(named(d).map((e) => e.tokenId)).toEqual([1, 2]);
    expect(withMessages(d)).toBe(true);
    expect(section(d, 'resolved')?.entries).toHaveLength(1);
  });

  it('rolls up resolved tokens first, then drops the sentences, then names fewer tokens, lowest severity first', () => {
    const fresh = [critical(1), high(2), medium(3)];
    const plan = routePlan({ newFindings: fresh, resolved: [{ finding: low(9), reason: 'deleted' }] });
    // a message for the resolved lines, one for the sentences, and one per two named tokens
    const count = (d: Digest) => (section(d, 'resolved')?.entries.length ?? 0) + (withMessages(d) ? 1 : 0) + Math.ceil(named(d).length / 2);
    const three = fitDigest(input(plan, { detailSeverity: 'medium' }), count, 3);
    expect(named(three).map((e) => e.tokenId)).toEqual([1, 2, 3]);
    expect(withMessages(three)).toBe(true);
    expect(section(three, 'resolved')?.entries).toEqual([]);
    const two = fitDigest(input(plan, { detailSeverity: 'medium' }), count, 2);
    expect(named(two).map((e) => e.tokenId)).toEqual([1, 2, 3]);
    expect(withMessages(two)).toBe(false);
    const one = fitDigest(input(plan, { detailSeverity: 'medium' }), count, 1);
    expect(named(one).map((e) => e.tokenId)).toEqual([1, 2]);
    expect(section(one, 'new')?.groups.find((g) => g.rule === 'stale')?.rest?.count).toBe(1);
  });

  it('never drops a token silently: when named tokens overflow, it names what fits and counts the rest under their rule', () => {
    const fresh = Array.from({ length: 12 }, (_, i) => critical(i + 1));
    // one message per five tokens named
    const count = (d: Digest) => 1 + Math.floor(named(d).length / 5);
    const d = fitDigest(input(routePlan({ newFindings: fresh, open: fresh })), count, 1);
    expect(named(d)).toHaveLength(4);
    expect(section(d, 'new')?.groups[0]?.rest).toMatchObject({ count: 8, command: 'gcore-token-audit findings --rule never-expiring-admin --account 456' });
  });

  it('names what fits of the critical tokens only reminded, when they alone overflow', () => {
    const reminders = Array.from({ length: 12 }, (_, i) => state(critical(i + 1), 10));
    const count = (d: Digest) => 1 + Math.floor((section(d, 'reminder')?.named.length ?? 0) / 5);
    const d = fitDigest(input(routePlan({ reminders })), count, 1);
    expect(section(d, 'reminder')?.named.map((e) => e.tokenId)).toEqual([1, 2, 3, 4]);
    expect(section(d, 'reminder')?.hidden).toEqual({ count: 8, command: 'gcore-token-audit findings --severity critical' });
  });

  it('rolls resolved tokens up while it names what fits', () => {
    const fresh = Array.from({ length: 12 }, (_, i) => critical(i + 1));
    // as above, and one more message when resolved tokens are told one by one
    const count = (d: Digest) => 1 + Math.floor(named(d).length / 5) + (section(d, 'resolved')?.entries.length ?? 0);
    const d = fitDigest(input(routePlan({ newFindings: fresh, resolved: [{ finding: low(20), reason: 'deleted' }] })), count, 1);
    expect(named(d)).toHaveLength(4);
    expect(section(d, 'resolved')).toMatchObject({ entries: [], rollups: [{ rule: 'never-used', count: 1 }] });
  });
});
