import type { Severity } from '../core/severity.js';
import type { RuleId } from '../rules/rule-catalog.js';
import type { ResolveReason } from './resolve-reason.js';

/** Where a one-shot digest (`audit --notify`) sends readers for what the message budget left out: it lists every finding. */
export const LIST_ALL_COMMAND = 'gcore-token-audit audit --format json';
/** The same for the worker's digests: the open critical findings it holds, read from Redis. */
export const LIST_OPEN_COMMAND = 'gcore-token-audit findings --severity critical';

/**
 * What a digest says, decided by alert policy and laid out by src/slack/. Plain data: no Block Kit, no escaping.
 * Text from outside (token names, owners, account names) is kept as is; the layout makes it inert.
 */
export interface Digest {
  /** `3 new · 1 resolved · 40 open (2 critical, 5 high)`: the whole state of the route, never less. */
  readonly headline: string;
  readonly sections: readonly DigestSection[];
  /** What to do about each rule shown token by token; the layout puts each once per message. */
  readonly remediation: Readonly<Partial<Record<RuleId, string>>>;
  /** Run, trigger, what was left out and why. */
  readonly context: string;
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

/** Findings of one rule told as a count, with the first few token names. */
export interface RuleRollup {
  readonly rule: RuleId;
  readonly severity: Severity;
  readonly count: number;
  readonly names: readonly string[];
}

export interface ReminderRollup extends RuleRollup {
  /** Age of the oldest finding of the rule, in whole days since first seen. */
  readonly oldestDays: number;
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
      readonly kind: 'new';
      readonly title: string;
      readonly entries: readonly TokenEntry[];
      readonly rollups: readonly RuleRollup[];
      /** Critical tokens the budget left out of `entries` (still counted in `rollups`). */
      readonly hidden: HiddenCritical | null;
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
