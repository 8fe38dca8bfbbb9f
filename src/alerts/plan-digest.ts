import { millisecondsInDay } from 'date-fns/constants';
import { atLeast, severityRank, type Severity } from '../core/severity.js';
import type { Finding } from '../core/finding.js';
import { REMEDIATION, type RuleId } from '../rules/rule-catalog.js';
import type { Digest, DigestSection, ReminderRollup, ResolvedEntry, ResolvedRollup, RuleRollup, TokenEntry } from './digest.js';
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
  /** The command that lists every open finding, for what the budget leaves out. */
  readonly moreCommand: string;
}

/** How much is told one by one; the fitting lowers it until the digest fits the message budget. */
export interface DigestLevel {
  /** Tokens whose highest new severity ranks at or above this are told one by one (SEVERITIES.length: none). */
  readonly detailRank: number;
  readonly resolvedDetail: boolean;
  /** At most this many critical tokens named, in new findings and in reminders. */
  readonly criticalLimit: number;
}

/** Past this many tokens, resolved findings are told by rule. */
const RESOLVED_HANDFUL = 10;
/** Names shown in a roll-up before "+N more". */
const ROLLUP_NAMES = 3;

const n = (x: number) => x.toLocaleString('en-US');
const tokenKey = (f: Pick<Finding, 'clientId' | 'tokenId' | 'accountName'>) =>
  f.tokenId === null ? `account:${f.clientId ?? f.accountName}` : `${f.clientId}:${f.tokenId}`;

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
    const key = tokenKey(f);
    const group = groups.get(key);
    if (group) {
      group.push(f);
    } else {
      groups.set(key, [f]);
    }
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

function rollups(findings: readonly Finding[]): RuleRollup[] {
  const byRule = new Map<string, { rule: RuleId; severity: Severity; names: string[] }>();
  for (const f of findings) {
    const key = `${f.rule}|${f.severity}`;
    const r = byRule.get(key) ?? { rule: f.rule, severity: f.severity, names: [] };
    r.names.push(entryName(f));
    byRule.set(key, r);
  }
  return [...byRule.values()]
    .map((r) => ({ rule: r.rule, severity: r.severity, count: r.names.length, names: r.names.slice(0, ROLLUP_NAMES) }))
    .sort((a, b) => bySeverity(a, b) || b.count - a.count || a.rule.localeCompare(b.rule));
}

function reminderRollups(states: readonly AlertState[], now: Date): ReminderRollup[] {
  const base = rollups(states.map((s) => s.finding));
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

function headline(input: DigestInput): string {
  const { plan } = input;
  const critical = plan.open.filter((f) => f.severity === 'critical').length;
  const high = plan.open.filter((f) => f.severity === 'high').length;
  const open = `${n(plan.open.length)} open (${n(critical)} critical, ${n(high)} high)`;
  return input.stateless ? open : `${n(plan.newFindings.length)} new · ${n(plan.resolved.length)} resolved · ${open}`;
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
  if (input.notes && input.notes.length > 0) {
    sections.push({ kind: 'notes', title: 'Mutes', lines: input.notes });
  }

  const entries = tokenEntries(plan.newFindings);
  const detailed: TokenEntry[] = [];
  let hiddenCritical = 0;
  for (const e of entries) {
    if (severityRank(e.severity) < level.detailRank) {
      continue;
    }
    if (e.severity === 'critical' && detailed.filter((d) => d.severity === 'critical').length >= level.criticalLimit) {
      hiddenCritical += 1;
      continue;
    }
    detailed.push(e);
  }
  const detailedKeys = new Set(detailed.map(tokenKey));
  const rolled = plan.newFindings.filter((f) => !detailedKeys.has(tokenKey(f)));
  if (entries.length > 0) {
    sections.push({
      kind: 'new',
      title: input.stateless ? 'Open findings' : 'New',
      entries: detailed,
      rollups: rollups(rolled),
      hidden: hiddenCritical > 0 ? { count: hiddenCritical, command: input.moreCommand } : null,
    });
  }

  if (plan.reminders.length > 0) {
    const critical = tokenEntries(plan.reminders.map((s) => s.finding).filter((f) => f.severity === 'critical'));
    const named = critical.slice(0, Number.isFinite(level.criticalLimit) ? level.criticalLimit : critical.length);
    sections.push({
      kind: 'reminder',
      title: 'Still open (reminder)',
      rollups: reminderRollups(plan.reminders, input.now),
      named,
      hidden: critical.length > named.length ? { count: critical.length - named.length, command: input.moreCommand } : null,
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

  const shownRules = new Set(detailed.flatMap((e) => e.rules.map((r) => r.rule)));
  const remediation: Partial<Record<RuleId, string>> = {};
  for (const rule of shownRules) {
    remediation[rule] = REMEDIATION[rule];
  }
  const left = [
    plan.muted > 0 ? `${n(plan.muted)} muted` : '',
    plan.belowMinSeverity > 0 ? `${n(plan.belowMinSeverity)} below ${input.minSeverity}, not posted` : '',
  ].filter(Boolean);
  const run = input.trigger === 'audit' ? `One-shot audit ${input.runId}` : `Run ${input.runId} (${input.trigger === 'schedule' ? 'scheduled' : 'manual'})`;
  return { headline: headline(input), sections, remediation, context: [run, ...left].join(' · ') };
}

/**
 * The most detailed digest that fits `budget` messages, `count` telling how many a digest takes once laid out.
 * Rolls up in this order: resolved tokens, then new tokens lowest severity first, then names fewer critical
 * tokens (saying how many more, and the command that lists them): nothing critical is dropped silently.
 */
export function fitDigest(input: DigestInput, count: (d: Digest) => number, budget: number): Digest {
  const start = severityRank(input.detailSeverity);
  const tries: DigestLevel[] = [{ detailRank: start, resolvedDetail: true, criticalLimit: Infinity }];
  for (let rank = start; rank <= severityRank('critical'); rank++) {
    tries.push({ detailRank: rank, resolvedDetail: false, criticalLimit: Infinity });
  }
  for (const level of tries) {
    const d = planDigest(input, level);
    if (count(d) <= budget) {
      return d;
    }
  }
  // Even critical tokens alone do not fit: name as many as fit (binary search), count the rest.
  const criticalRank = severityRank('critical');
  const criticalTokens = Math.max(
    tokenEntries(input.plan.newFindings).filter((e) => e.severity === 'critical').length,
    tokenEntries(input.plan.reminders.map((s) => s.finding).filter((f) => atLeast(f.severity, 'critical'))).length,
  );
  let lo = 0;
  let hi = criticalTokens;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (count(planDigest(input, { detailRank: criticalRank, resolvedDetail: false, criticalLimit: mid })) <= budget) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return planDigest(input, { detailRank: criticalRank, resolvedDetail: false, criticalLimit: lo });
}
