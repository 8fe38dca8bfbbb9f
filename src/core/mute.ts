import type { Finding } from './finding.js';
import { RENAMED_RULES, type RuleId } from './rule-catalog.js';

/**
 * A mute, from the configuration file or added at run time (`mute add`, kept in Redis). Every field it gives
 * must match a finding; one it leaves out matches anything, except that only a mute naming `coverage-gap`
 * mutes a coverage gap (going blind is never silenced by a mute written for tokens).
 */
export interface Mute {
  /** `config-<n>` for the n-th mute of the configuration; a random id for one in Redis. */
  readonly id: string;
  readonly source: 'config' | 'redis';
  readonly rule: RuleId | null;
  readonly clientId: number | null;
  readonly tokenId: number | null;
  readonly reason: string;
  /** Who muted it (`--by`, else $USER); null when the configuration does not say. */
  readonly by: string | null;
  /** The first instant the mute no longer applies (a date-only `until` covers that whole day, UTC). */
  readonly until: Date;
  /** As written, for messages. */
  readonly untilText: string;
  /** Set when `until` was cut to `mutes.maxDays` after the mute was added: the report's warning, in a sentence. */
  readonly capped?: string;
}

export interface MuteOutcome {
  readonly findings: Finding[];
  /** One line per lapsed mute that matched a finding: the report says so rather than silently un-muting. */
  readonly lapsed: string[];
}

export function muteMatches(mute: Pick<Mute, 'rule' | 'clientId' | 'tokenId'>, f: Pick<Finding, 'rule' | 'clientId' | 'tokenId'>): boolean {
  // A mute kept in Redis under a rule's old name (orphaned) still covers the rule it became.
  const rule = mute.rule === null ? null : (RENAMED_RULES[mute.rule] ?? mute.rule);
  if (rule === null ? f.rule === 'coverage-gap' : rule !== f.rule) {
    return false;
  }
  return (mute.clientId === null || mute.clientId === f.clientId) && (mute.tokenId === null || mute.tokenId === f.tokenId);
}

/** What a mute matches, for people: `stale on token 101 (account 456)`, `every rule on account 456`. */
export function describeMuteMatch(m: Pick<Mute, 'rule' | 'clientId' | 'tokenId'>): string {
  const rule = m.rule ?? 'every rule';
  if (m.tokenId !== null) {
    return `${rule} on token ${m.tokenId} (account ${m.clientId ?? 'any'})`;
  }
  return m.clientId !== null ? `${rule} on account ${m.clientId}` : `${rule} on every account`;
}

const DAY_MS = 86_400_000;

/**
 * A run-time mute held to `mutes.maxDays` of the run applying it, counted from when it was added: `mute add`
 * checks the bound of its caller's configuration only, and a mute until 2035 was stored. Cut to the bound, it
 * lapses then like any other (and is told and deleted); `capped` says so for the report. A mute whose
 * creation time cannot be read is held to the bound from the epoch, i.e. it has lapsed.
 */
export function capMute(m: Mute, createdAt: Date, maxDays: number): Mute {
  const created = Number.isNaN(createdAt.getTime()) ? 0 : createdAt.getTime();
  const limit = new Date(created + maxDays * DAY_MS);
  if (m.until.getTime() <= limit.getTime()) {
    return m;
  }
  const untilText = limit.toISOString();
  return {
    ...m,
    until: limit,
    untilText,
    capped: `the mute ${m.id} of ${describeMuteMatch(m)} reaches past mutes.maxDays (${maxDays} days after it was added): applied until ${untilText}, not ${m.untilText}`,
  };
}

export const muteInForce = (m: Pick<Mute, 'until'>, now: Date) => now.getTime() < m.until.getTime();

/** Marks muted findings; a mute past its `until` no longer applies and is reported as lapsed. */
export function applyMutes(findings: readonly Finding[], mutes: readonly Mute[], now: Date): MuteOutcome {
  const lapsed = new Set<string>();
  const out = findings.map((f) => {
    const matching = mutes.filter((m) => muteMatches(m, f));
    if (matching.length === 0) {
      return f;
    }
    const inForce = matching.find((m) => muteInForce(m, now));
    if (inForce) {
      return { ...f, muted: true, muteReason: inForce.reason };
    }
    const mute = matching[0] as Mute;
    // An exact mute keeps its historical wording; a broader one is named by what it matched.
    const what = mute.rule !== null && mute.tokenId !== null ? `${f.rule} on token ${f.tokenId} (account ${f.clientId})` : describeMuteMatch(mute);
    lapsed.add(`the mute of ${what} expired on ${mute.untilText}`);
    return { ...f, message: `${f.message} (Mute expired on ${mute.untilText}: ${mute.reason}.)` };
  });
  return { findings: out, lapsed: [...lapsed] };
}
