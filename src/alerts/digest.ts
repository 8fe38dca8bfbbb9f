import { SEVERITIES, atLeast, type Severity } from '../core/severity.js';
import type { RuleId } from '../core/rule-catalog.js';
import type { ResolveReason } from './resolve-reason.js';

/**
 * Where a digest's reader lists what it rolled up: `findings` reads the worker's open findings from Redis (the
 * worker's digests and `plan`'s preview of them); `audit` has no Redis (`audit --notify`), so it re-runs the audit.
 */
export type ListingContext = 'findings' | 'audit';

/** What a listing command narrows to; every field optional. */
export interface ListingFilter {
  readonly rule?: RuleId;
  readonly clientId?: number | null;
  /** At or above, as `findings --severity` reads it. */
  readonly severity?: Severity;
}

const atOrAbove = (floor: Severity) => SEVERITIES.filter((s) => atLeast(s, floor)).map((s) => `"${s}"`).join(', ');

/**
 * The one place that decides the command listing a digest's roll-ups in full, for every caller (worker, `plan`,
 * `audit --notify`, new-token alerts). `findings` takes the filters itself; `audit` has none, so its JSON is
 * narrowed with jq. Only ids, rule ids and severities go in: nothing written by a token's creator.
 */
export function listingCommand(context: ListingContext, filter: ListingFilter = {}): string {
  if (context === 'findings') {
    const flags = [
      filter.rule === undefined ? '' : ` --rule ${filter.rule}`,
      filter.clientId === undefined || filter.clientId === null ? '' : ` --account ${filter.clientId}`,
      filter.severity === undefined ? '' : ` --severity ${filter.severity}`,
    ];
    return `gcore-token-audit findings${flags.join('')}`;
  }
  const tests = [
    filter.rule === undefined ? '' : `.rule == "${filter.rule}"`,
    filter.clientId === undefined || filter.clientId === null ? '' : `.clientId == ${filter.clientId}`,
    filter.severity === undefined ? '' : `(.severity | IN(${atOrAbove(filter.severity)}))`,
  ].filter(Boolean);
  const all = 'gcore-token-audit audit --format json';
  return tests.length === 0 ? all : `${all} | jq '.findings[] | select(${tests.join(' and ')})'`;
}

/** Where a one-shot digest (`audit --notify`) sends readers for what the message budget left out: it lists every finding. */
export const LIST_ALL_COMMAND = listingCommand('audit');

/**
 * What a digest says, decided by alert policy and laid out by src/alerts/slack/. Plain data: no Block Kit, no escaping.
 * Text from outside (token names, owners, account names) is kept as is; the layout makes it inert.
 */
export interface Digest {
  /** `3 new · 1 resolved · 40 open (2 critical, 5 high) · 2 below low not shown`: what the route is told, and what not. */
  readonly headline: string;
  readonly sections: readonly DigestSection[];
  /** Run, trigger, what was left out and why. */
  readonly context: string;
  /** The command that lists everything, for the footer. */
  readonly listAll: string;
}

/** One token (or, for `coverage-gap`, one account) with all its rules, highest severity first. */
export interface TokenEntry {
  readonly clientId: number | null;
  readonly accountName: string | null;
  readonly tokenId: number | null;
  readonly tokenName: string | null;
  readonly role: string | null;
  readonly owner: string | null;
  readonly lastUsage: string | null;
  readonly expDate: string | null;
  /** false when the token could not be read: its dates are unknown, not "never". */
  readonly read: boolean;
  readonly severity: Severity;
  readonly rules: readonly { readonly rule: RuleId; readonly severity: Severity; readonly message: string }[];
}

/** Findings counted by severity, most severe first, only the severities present. */
export type SeverityCounts = readonly { readonly severity: Severity; readonly count: number }[];

/** An account (or owner) and what it holds: a line of the triage. */
export interface TriageLine {
  readonly clientId: number | null;
  readonly accountName: string | null;
  /** Set for an owner's line (then clientId and accountName are null). */
  readonly owner: string | null;
  readonly counts: SeverityCounts;
}

/** How many of a roll-up's findings (or tokens) one account holds. */
export interface AccountCount {
  readonly clientId: number | null;
  readonly accountName: string | null;
  readonly count: number;
}

/** Findings of one rule and severity told as counts per account, and the command that lists them. */
export interface RuleRollup {
  readonly rule: RuleId;
  readonly severity: Severity;
  readonly count: number;
  /** The accounts holding the most first, at most a handful. */
  readonly accounts: readonly AccountCount[];
  /** Accounts past `accounts`. */
  readonly moreAccounts: number;
  /** The first few tokens (or accounts, for `coverage-gap`): named with their id, so two of one name stay two. */
  readonly examples: readonly Pick<TokenEntry, 'tokenId' | 'tokenName' | 'clientId' | 'accountName'>[];
  readonly command: string;
}

export interface ReminderRollup extends RuleRollup {
  /** Age of the oldest finding of the rule, in whole days since first seen. */
  readonly oldestDays: number;
}

/**
 * Tokens whose highest new finding is this rule at or above `detailSeverity`: named one line each, and the
 * rest (what the budget did not allow) counted by account, with the command that lists them all.
 */
export interface RuleGroup {
  readonly rule: RuleId;
  readonly severity: Severity;
  /** Tokens in the group, named or not. */
  readonly count: number;
  readonly remediation: string;
  readonly entries: readonly TokenEntry[];
  /** The tokens not named, by account; null when every one is named. */
  readonly rest: { readonly count: number; readonly accounts: readonly AccountCount[]; readonly moreAccounts: number; readonly command: string } | null;
}

export interface ResolvedEntry {
  readonly entry: TokenEntry;
  readonly reason: ResolveReason;
}

export interface ResolvedRollup {
  readonly rule: RuleId;
  readonly count: number;
  readonly reasons: readonly { readonly reason: ResolveReason; readonly count: number }[];
}

/** Critical tokens the message budget left unnamed, and the command that lists them all. */
export interface HiddenCritical {
  readonly count: number;
  readonly command: string;
}

export type DigestSection =
  | {
      /** Where the new findings are: accounts, then owners, worst first; the first handful and how many more. */
      readonly kind: 'triage';
      readonly title: string;
      readonly accounts: readonly TriageLine[];
      readonly moreAccounts: number;
      readonly owners: readonly TriageLine[];
      readonly moreOwners: number;
    }
  | {
      readonly kind: 'new';
      readonly title: string;
      /** How many findings the section tells, named or counted. */
      readonly count: number;
      readonly groups: readonly RuleGroup[];
      /** Findings below `detailSeverity` (and those of grouped tokens not told on a line), by rule. */
      readonly rollups: readonly RuleRollup[];
    }
  | {
      readonly kind: 'reminder';
      readonly title: string;
      readonly rollups: readonly ReminderRollup[];
      /** The critical tokens still open, named. */
      readonly named: readonly TokenEntry[];
      readonly hidden: HiddenCritical | null;
    }
  | { readonly kind: 'resolved'; readonly title: string; readonly entries: readonly ResolvedEntry[]; readonly rollups: readonly ResolvedRollup[] }
  | { readonly kind: 'notes'; readonly title: string; readonly lines: readonly string[] };
