import { muteInForce, muteMatches, type Mute } from './mute.js';
import type { RuleId } from './rule-catalog.js';

/**
 * `remediation.quarantine`: a rule whose tokens, found by the sentinel, are deleted `afterHours` later unless
 * muted or kept (`revoke keep`). Dry run (the default) announces and records what it would delete, and
 * deletes nothing.
 */
export interface QuarantineEntry {
  readonly rule: RuleId;
  readonly afterHours: number;
  readonly dryRun: boolean;
}

/** The first entry whose rule the token breaks (config order: the operator's first choice); null: none. */
export function quarantineFor(rules: readonly RuleId[], entries: readonly QuarantineEntry[]): QuarantineEntry | null {
  return entries.find((e) => rules.includes(e.rule)) ?? null;
}

/** Who approves a quarantine's deletion: the policy, named as people read it in records and messages. */
export const quarantineApprover = (e: Pick<QuarantineEntry, 'rule' | 'afterHours'>) => `policy: quarantine ${e.rule} ${e.afterHours}h`;

/** When a token found at `foundAt` is deleted under `entry`. */
export const quarantineDeadline = (foundAt: Date, entry: Pick<QuarantineEntry, 'afterHours'>) => new Date(foundAt.getTime() + entry.afterHours * 3_600_000);

/** `2026-12-05 09:00 UTC`: minutes are what a person acts on. */
const utcText = (at: Date) => `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** The line the "New token" entry gains: when it goes, and how to stop it (the revocation's id). */
export function quarantineLine(id: string, deadline: Date, dryRun: boolean): string {
  return dryRun
    ? `would be deleted at ${utcText(deadline)} unless muted or approved to stay (\`revoke keep ${id}\`) (dry run)`
    : `will be deleted at ${utcText(deadline)} unless muted or approved to stay (\`revoke keep ${id}\`)`;
}

export type QuarantineVerdict = 'wait' | 'kept' | 'muted' | 'would-delete' | 'delete';

/**
 * What a quarantine comes to at `now`: before its deadline it waits; at it, kept (someone ran `revoke keep`),
 * muted (a mute in force at that moment matches one of its findings), else deleted, or only recorded as
 * would-delete in dry run. Kept and muted are checked first: a dry run tells what a live run would do.
 */
export function quarantineVerdict(
  q: { readonly clientId: number; readonly tokenId: number; readonly rules: readonly RuleId[]; readonly deadline: Date; readonly kept: boolean; readonly dryRun: boolean },
  mutes: readonly Pick<Mute, 'rule' | 'clientId' | 'tokenId' | 'until'>[],
  now: Date,
): QuarantineVerdict {
  if (q.kept) {
    return 'kept';
  }
  if (now.getTime() < q.deadline.getTime()) {
    return 'wait';
  }
  const muted = mutes.some((m) => muteInForce(m, now) && q.rules.some((rule) => muteMatches(m, { rule, clientId: q.clientId, tokenId: q.tokenId })));
  if (muted) {
    return 'muted';
  }
  return q.dryRun ? 'would-delete' : 'delete';
}

/**
 * Whether a policy can delete anything: remediation on and an entry not in dry run. Only then does the worker
 * hold a deleter (and need the deleting keys); otherwise every quarantine ends as a dry run.
 */
export function quarantineDeletes(remediation: { readonly enabled: boolean; readonly quarantine?: readonly QuarantineEntry[] } | undefined): boolean {
  return remediation?.enabled === true && (remediation.quarantine ?? []).some((e) => !e.dryRun);
}
