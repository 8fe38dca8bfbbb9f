import { millisecondsInDay } from 'date-fns/constants';
import { SEVERITIES, atLeast, severityRank, type Severity } from '../core/severity.js';
import type { Finding } from '../core/finding.js';
import { REMEDIATION, type RuleId } from '../core/rule-catalog.js';
import {
  listingCommand,
  type AccountCount,
  type Digest,
  type DigestSection,
  type ListingContext,
  type ReminderRollup,
  type ResolvedEntry,
  type ResolvedRollup,
  type RuleGroup,
  type RuleRollup,
  type SeverityCounts,
  type TokenEntry,
  type TriageLine,
} from './digest.js';
import type { AlertState, RoutePlan } from './plan-alerts.js';

export interface DigestInput {
  readonly plan: RoutePlan;
  /** `audit --notify`: no memory of earlier runs, so everything open is told and nothing is "new". */
  readonly stateless: boolean;
  readonly runId: string;
  readonly trigger: 'schedule' | 'manual' | 'audit';
  readonly minSeverity: Severity;
  /** New findings at or above it are told token by token; below, by rule. */
  readonly detailSeverity: Severity;
  readonly now: Date;
  /** Lines the team must read that are not findings (mutes added or lapsed). */
  readonly notes?: readonly string[];
  /** Where the reader lists what the digest rolls up: `listingCommand` makes every command from it. */
  readonly listing: ListingContext;
  /** The run's counts over every route, when this route sees only part of them (its header says both). */
  readonly whole?: { readonly newFindings: number; readonly open: number };
}

/** How much is told one by one; the fitting lowers it until the digest fits the message budget. */
export interface DigestLevel {
  readonly resolvedDetail: boolean;
  /** Named tokens carry each rule's one-line message. */
  readonly messages: boolean;
  /** At most this many tokens named in the rule groups (most severe first), and critical tokens in reminders. */
  readonly named: number;
}

/** Every token named, with its messages: the most a digest tells. */
export const FULL_LEVEL: DigestLevel = { resolvedDetail: true, messages: true, named: Infinity };

/** Past this many tokens, resolved findings are told by rule. */
const RESOLVED_HANDFUL = 10;
/** Accounts (or owners) in the triage, and accounts in a roll-up, before "+N more". */
const TRIAGE_HANDFUL = 5;
const ROLLUP_ACCOUNTS = 5;
/** Tokens a roll-up by rule gives as examples. */
const ROLLUP_NAMES = 3;
/** Accounts a critical or high group the budget could not name is counted under: enough that each such token is counted under its own account in most estates. */
const GROUP_ACCOUNTS = 20;

const n = (x: number) => x.toLocaleString('en-US');
const tokenKey = (f: Pick<Finding, 'clientId' | 'tokenId' | 'accountName'>) =>
  f.tokenId === null ? `account:${f.clientId ?? f.accountName}` : `${f.clientId}:${f.tokenId}`;
const accountKey = (f: Pick<Finding, 'clientId' | 'accountName'>) => (f.clientId === null ? `name:${f.accountName}` : `id:${f.clientId}`);

/** Appends to the list under `key` in place: a run can hold 100,000 findings of one rule. */
function add<T>(map: Map<string, T[]>, key: string, item: T): void {
  const list = map.get(key);
  if (list === undefined) {
    map.set(key, [item]);
  } else {
    list.push(item);
  }
}

export function entryName(e: Pick<TokenEntry, 'tokenId' | 'tokenName' | 'clientId' | 'accountName'>): string {
  if (e.tokenId === null) {
    return e.accountName ?? `account ${e.clientId ?? '?'}`;
  }
  return e.tokenName ?? `token ${e.tokenId}`;
}

function bySeverity<T extends { severity: Severity }>(a: T, b: T): number {
  return severityRank(b.severity) - severityRank(a.severity);
}

/** One entry per token, all its rules together, highest severity first; entries most severe first. */
export function tokenEntries(findings: readonly Finding[]): TokenEntry[] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    add(groups, tokenKey(f), f);
  }
  const entries: TokenEntry[] = [];
  for (const group of groups.values()) {
    const sorted = [...group].sort(bySeverity);
    const top = sorted[0] as Finding;
    entries.push({
      clientId: top.clientId,
      accountName: top.accountName,
      tokenId: top.tokenId,
      tokenName: top.tokenName,
      role: top.role,
      owner: top.owner,
      lastUsage: top.lastUsage,
      expDate: top.expDate,
      read: top.created !== null,
      severity: top.severity,
      rules: sorted.map((f) => ({ rule: f.rule, severity: f.severity, message: f.message })),
    });
  }
  return entries.sort((a, b) => bySeverity(a, b) || (a.clientId ?? 0) - (b.clientId ?? 0) || (a.tokenId ?? 0) - (b.tokenId ?? 0));
}

// fitDigest plans one route's digest a dozen times over the same findings: what does not depend on the level
// is worked out once per findings array (plans are not changed once made).
const entriesMemo = new WeakMap<readonly Finding[], readonly TokenEntry[]>();
const triageMemo = new WeakMap<readonly Finding[], Omit<Extract<DigestSection, { kind: 'triage' }>, 'title'>>();

function entriesOf(findings: readonly Finding[]): readonly TokenEntry[] {
  const known = entriesMemo.get(findings);
  if (known !== undefined) {
    return known;
  }
  const entries = tokenEntries(findings);
  entriesMemo.set(findings, entries);
  return entries;
}

/** Counts per account, the largest first (then by id), cut to `limit`; and how many accounts were cut. */
function byAccount(items: readonly Pick<Finding, 'clientId' | 'accountName'>[], limit: number): { accounts: AccountCount[]; moreAccounts: number } {
  const counts = new Map<string, AccountCount>();
  for (const f of items) {
    const key = accountKey(f);
    const c = counts.get(key);
    counts.set(key, { clientId: f.clientId, accountName: f.accountName, count: (c?.count ?? 0) + 1 });
  }
  const all = [...counts.values()].sort((a, b) => b.count - a.count || (a.clientId ?? 0) - (b.clientId ?? 0));
  return { accounts: all.slice(0, limit), moreAccounts: Math.max(0, all.length - limit) };
}

/** The account id a listing can narrow to: the one account all of `items` are in, if it has an id. */
function soleAccount(items: readonly Pick<Finding, 'clientId' | 'accountName'>[]): number | undefined {
  const keys = new Set(items.map(accountKey));
  return keys.size === 1 ? (items[0]?.clientId ?? undefined) : undefined;
}

function rollups(findings: readonly Finding[], listing: ListingContext): RuleRollup[] {
  const byRule = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = `${f.rule}|${f.severity}`;
    add(byRule, key, f);
  }
  return [...byRule.values()]
    .map((group) => {
      const top = group[0] as Finding;
      return {
        rule: top.rule,
        severity: top.severity,
        count: group.length,
        ...byAccount(group, ROLLUP_ACCOUNTS),
        examples: group.slice(0, ROLLUP_NAMES).map((f) => ({ tokenId: f.tokenId, tokenName: f.tokenName, clientId: f.clientId, accountName: f.accountName })),
        command: listingCommand(listing, { rule: top.rule, clientId: soleAccount(group) }),
      };
    })
    .sort((a, b) => bySeverity(a, b) || b.count - a.count || a.rule.localeCompare(b.rule));
}

function reminderRollups(states: readonly AlertState[], now: Date, listing: ListingContext): ReminderRollup[] {
  const base = rollups(
    states.map((s) => s.finding),
    listing,
  );
  return base.map((r) => {
    const oldest = Math.min(
      ...states.filter((s) => s.finding.rule === r.rule && s.finding.severity === r.severity).map((s) => Date.parse(s.firstSeen)),
    );
    return { ...r, oldestDays: Math.max(0, Math.floor((now.getTime() - oldest) / millisecondsInDay)) };
  });
}

function resolvedRollups(entries: readonly ResolvedEntry[]): ResolvedRollup[] {
  const byRule = new Map<RuleId, Map<ResolvedEntry['reason'], number>>();
  for (const e of entries) {
    for (const r of e.entry.rules) {
      const reasons = byRule.get(r.rule) ?? new Map<ResolvedEntry['reason'], number>();
      reasons.set(e.reason, (reasons.get(e.reason) ?? 0) + 1);
      byRule.set(r.rule, reasons);
    }
  }
  return [...byRule].map(([rule, reasons]) => ({
    rule,
    count: [...reasons.values()].reduce((a, b) => a + b, 0),
    reasons: [...reasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count),
  }));
}

function severityCounts(findings: readonly Finding[]): SeverityCounts {
  return [...SEVERITIES]
    .reverse()
    .map((severity) => ({ severity, count: findings.filter((f) => f.severity === severity).length }))
    .filter((c) => c.count > 0);
}

/** Worse first: more of the highest severity, then of the next, and so on; then the larger; then by id. */
function worse(a: { counts: SeverityCounts; clientId: number | null }, b: { counts: SeverityCounts; clientId: number | null }): number {
  const of = (c: SeverityCounts, s: Severity) => c.find((x) => x.severity === s)?.count ?? 0;
  for (const s of [...SEVERITIES].reverse()) {
    const d = of(b.counts, s) - of(a.counts, s);
    if (d !== 0) {
      return d;
    }
  }
  return (a.clientId ?? 0) - (b.clientId ?? 0);
}

/** Where the findings are: by account, and by owner when any owner is known; worst first, a handful each. */
export function triage(findings: readonly Finding[], title: string): Extract<DigestSection, { kind: 'triage' }> {
  const known = triageMemo.get(findings);
  if (known !== undefined) {
    return { ...known, title };
  }
  const accounts = new Map<string, Finding[]>();
  const owners = new Map<string, Finding[]>();
  for (const f of findings) {
    add(accounts, accountKey(f), f);
    if (f.owner !== null) {
      add(owners, f.owner, f);
    }
  }
  const accountLines: TriageLine[] = [...accounts.values()]
    .map((group) => ({ clientId: group[0]?.clientId ?? null, accountName: group[0]?.accountName ?? null, owner: null, counts: severityCounts(group) }))
    .sort(worse);
  const ownerLines: TriageLine[] = [...owners]
    .map(([owner, group]) => ({ clientId: null, accountName: null, owner, counts: severityCounts(group) }))
    .sort((a, b) => worse(a, b) || (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0));
  const section = {
    kind: 'triage' as const,
    accounts: accountLines.slice(0, TRIAGE_HANDFUL),
    moreAccounts: Math.max(0, accountLines.length - TRIAGE_HANDFUL),
    owners: ownerLines.slice(0, TRIAGE_HANDFUL),
    moreOwners: Math.max(0, ownerLines.length - TRIAGE_HANDFUL),
  };
  triageMemo.set(findings, section);
  return { ...section, title };
}

/**
 * New findings as rule groups (tokens at or above `detailSeverity`, by their highest rule, up to `named` of them
 * named, the rest counted by account) and roll-ups by rule (everything not told on a token's line).
 */
function newSection(input: DigestInput, level: DigestLevel): Extract<DigestSection, { kind: 'new' }> {
  const entries = entriesOf(input.plan.newFindings);
  const detail = entries.filter((e) => atLeast(e.severity, input.detailSeverity));
  const byGroup = new Map<string, TokenEntry[]>();
  for (const e of detail) {
    const top = e.rules[0] as TokenEntry['rules'][number];
    const key = `${top.rule}|${top.severity}`;
    add(byGroup, key, e);
  }
  const ordered = [...byGroup.values()].sort((a, b) => bySeverity(a[0] as TokenEntry, b[0] as TokenEntry) || b.length - a.length);
  let names = level.named;
  const groups: RuleGroup[] = [];
  const namedKeys = new Set<string>();
  const countedKeys = new Set<string>();
  for (const members of ordered) {
    const top = (members[0] as TokenEntry).rules[0] as TokenEntry['rules'][number];
    const named = members.slice(0, Math.max(0, Math.min(members.length, names)));
    names -= named.length;
    const rest = members.slice(named.length);
    for (const e of named) {
      namedKeys.add(tokenKey(e));
    }
    for (const e of rest) {
      countedKeys.add(tokenKey(e));
    }
    groups.push({
      rule: top.rule,
      severity: top.severity,
      count: members.length,
      remediation: REMEDIATION[top.rule],
      entries: level.messages ? named : named.map((e) => ({ ...e, rules: e.rules.map((r) => ({ ...r, message: '' })) })),
      rest:
        rest.length === 0
          ? null
          : { count: rest.length, ...byAccount(rest, GROUP_ACCOUNTS), command: listingCommand(input.listing, { rule: top.rule, clientId: soleAccount(rest) }) },
    });
  }
  // A counted token's highest finding is its group's; its other findings, and every finding of a token below
  // detailSeverity, are rolled up by rule: each new finding is told exactly once.
  const counted = new Set(
    entries.filter((e) => countedKeys.has(tokenKey(e))).map((e) => `${tokenKey(e)}|${(e.rules[0] as TokenEntry['rules'][number]).rule}`),
  );
  const rolled = input.plan.newFindings.filter((f) => !namedKeys.has(tokenKey(f)) && !counted.has(`${tokenKey(f)}|${f.rule}`));
  return {
    kind: 'new',
    title: input.stateless ? 'Open findings' : 'New',
    count: input.plan.newFindings.length,
    groups,
    rollups: rollups(rolled, input.listing),
  };
}

/** What the route is told, and what it is not: from the plan's own counts. */
function headline(input: DigestInput): string {
  const { plan, whole } = input;
  const { shown, critical, high } = plan.open;
  const partOpen = whole !== undefined && whole.open > shown;
  const open = `${n(shown)} open${partOpen ? ' here' : ''} (${n(critical)} critical, ${n(high)} high)${partOpen ? ` · ${n(whole.open)} open in all` : ''}`;
  const acked = (plan.acknowledged ?? 0) > 0 ? ` · ${n(plan.acknowledged ?? 0)} acknowledged` : '';
  const below = `${acked}${plan.belowMinSeverity > 0 ? ` · ${n(plan.belowMinSeverity)} below ${input.minSeverity} not shown` : ''}`;
  if (input.stateless) {
    return `${open}${below}`;
  }
  const partNew = whole !== undefined && whole.newFindings > plan.newFindings.length;
  const fresh = partNew ? `${n(plan.newFindings.length)} new here · ${n(whole.newFindings)} new in all` : `${n(plan.newFindings.length)} new`;
  return `${fresh} · ${n(plan.resolved.length)} resolved · ${open}${below}`;
}

/** Whether the route has anything to be told: a change, a reminder or a note (stateless: anything open to tell). */
export function hasNews(input: Pick<DigestInput, 'plan' | 'notes'>): boolean {
  const { plan } = input;
  return plan.newFindings.length + plan.reminders.length + plan.resolved.length + (input.notes?.length ?? 0) > 0;
}

/** The digest at one level of detail. Pure. */
export function planDigest(input: DigestInput, level: DigestLevel): Digest {
  const { plan } = input;
  const sections: DigestSection[] = [];
  if (plan.newFindings.length > 0) {
    sections.push(triage(plan.newFindings, input.stateless ? 'Where the findings are' : 'Where the new findings are'));
  }
  if (input.notes && input.notes.length > 0) {
    sections.push({ kind: 'notes', title: 'Mutes', lines: input.notes });
  }
  if (plan.newFindings.length > 0) {
    sections.push(newSection(input, level));
  }

  if (plan.reminders.length > 0) {
    const critical = tokenEntries(plan.reminders.map((s) => s.finding).filter((f) => f.severity === 'critical'));
    const named = critical.slice(0, Number.isFinite(level.named) ? level.named : critical.length);
    sections.push({
      kind: 'reminder',
      title: 'Still open (reminder)',
      rollups: reminderRollups(plan.reminders, input.now, input.listing),
      named,
      hidden:
        critical.length > named.length ? { count: critical.length - named.length, command: listingCommand(input.listing, { severity: 'critical' }) } : null,
    });
  }

  if (plan.resolved.length > 0) {
    const groups = new Map<string, { findings: Finding[]; reason: ResolvedEntry['reason'] }>();
    for (const r of plan.resolved) {
      const group = groups.get(tokenKey(r.finding));
      if (group) {
        group.findings.push(r.finding);
      } else {
        groups.set(tokenKey(r.finding), { findings: [r.finding], reason: r.reason });
      }
    }
    const resolved = [...groups.values()].map((g) => ({ entry: tokenEntries(g.findings)[0] as TokenEntry, reason: g.reason }));
    const detail = level.resolvedDetail && resolved.length <= RESOLVED_HANDFUL;
    sections.push({
      kind: 'resolved',
      title: 'Resolved',
      entries: detail ? resolved : [],
      rollups: detail ? [] : resolvedRollups(resolved),
    });
  }

  const held = plan.heldByGap ?? 0;
  const left = [
    // Open, counted in the headline, but not read this run: the account's coverage gap speaks for them.
    held > 0 ? `${n(held)} open held by a coverage gap (not read this run)` : '',
    plan.muted > 0 ? `${n(plan.muted)} muted` : '',
    plan.belowMinSeverity > 0 ? `${n(plan.belowMinSeverity)} below ${input.minSeverity}, not posted` : '',
  ].filter(Boolean);
  const run = input.trigger === 'audit' ? `One-shot audit ${input.runId}` : `Run ${input.runId} (${input.trigger === 'schedule' ? 'scheduled' : 'manual'})`;
  return { headline: headline(input), sections, context: [run, ...left].join(' · '), listAll: listingCommand(input.listing) };
}

/** Tokens the rule groups could name (and critical tokens a reminder could): the most `named` ever needs. */
function nameable(input: DigestInput): number {
  return Math.max(
    entriesOf(input.plan.newFindings).filter((e) => atLeast(e.severity, input.detailSeverity)).length,
    tokenEntries(input.plan.reminders.map((s) => s.finding).filter((f) => f.severity === 'critical')).length,
  );
}

/**
 * The most detailed digest that fits `budget` messages, `count` telling how many a digest takes once laid out.
 * Lets go in this order: resolved tokens one by one, then each named token's messages, then names, the least
 * severe first: a token not named is counted under its account in its rule's group, with the command that
 * lists the group. Nothing is dropped silently.
 */
export function fitDigest(input: DigestInput, count: (d: Digest) => number, budget: number): Digest {
  const tries: DigestLevel[] = [FULL_LEVEL, { ...FULL_LEVEL, resolvedDetail: false }, { resolvedDetail: false, messages: false, named: Infinity }];
  for (const level of tries) {
    const d = planDigest(input, level);
    if (count(d) <= budget) {
      return d;
    }
  }
  // Name as many tokens as fit, most severe first; count the rest by account. The bound is found by doubling
  // first, so a run of 25,000 high tokens lays out a few hundred names a try, not thousands.
  const fits = (named: number) => count(planDigest(input, { resolvedDetail: false, messages: false, named })) <= budget;
  const most = nameable(input);
  let lo = 0;
  let hi = Math.min(most, 16);
  while (hi < most && fits(hi)) {
    lo = hi;
    hi = Math.min(most, hi * 2);
  }
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return planDigest(input, { resolvedDetail: false, messages: false, named: lo });
}
