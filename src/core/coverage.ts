import { findingId, NO_TOKEN, type Finding } from './finding.js';
import { REMEDIATION } from './rule-catalog.js';
import type { AccountResult, TokenResult } from './token-result.js';

/** Where a run was blind: an account it could not enumerate, or one where over a tenth of the tokens failed. */
export interface CoverageGap {
  /** Stable across runs (account and kind), so a gap that persists is not news. */
  readonly key: string;
  /** The account's id, or its label when the id could not be learnt. */
  readonly account: number | string;
  /** Why, for people: key rejected, key missing, listing failed, N of M tokens unread. */
  readonly reason: string;
  /** The reason led by the account's label. */
  readonly message: string;
}

/** More than this share of an account's tokens failing makes the run blind to that account. */
export const FAILED_SHARE_LIMIT = 0.1;

export function coverageGaps(
  accounts: readonly AccountResult[],
  results: readonly Pick<TokenResult, 'clientId' | 'tokenId' | 'status' | 'findings' | 'refused'>[],
  /** Per account, tokens read that `results` leaves out (counted, not kept): each adds to the total, none failed. */
  counted?: ReadonlyMap<number, number>,
): CoverageGap[] {
  const perAccount = new Map<number, { total: number; failed: number; reason: string | null }>();
  // A refused key is the account's cause, not each token's: one gap, and the share of failures leaves it out.
  const refused = new Map<number, string>();
  // In token order, so the reason quoted (the first failure's) does not depend on the order jobs finished in.
  for (const r of [...results].sort((a, b) => a.tokenId - b.tokenId)) {
    if (r.refused !== undefined) {
      if (!refused.has(r.clientId)) {
        refused.set(r.clientId, r.refused);
      }
      continue;
    }
    const entry = perAccount.get(r.clientId) ?? { total: 0, failed: 0, reason: null };
    entry.total += 1;
    if (r.status === 'failed') {
      entry.failed += 1;
      entry.reason ??= (r.findings[0]?.message ?? '').replace(/^Could not be audited: /, '') || null;
    }
    perAccount.set(r.clientId, entry);
  }
  for (const [clientId, count] of counted ?? []) {
    if (count > 0) {
      const entry = perAccount.get(clientId) ?? { total: 0, failed: 0, reason: null };
      perAccount.set(clientId, { ...entry, total: entry.total + count });
    }
  }
  const gaps: CoverageGap[] = [];
  for (const a of accounts) {
    const id = a.clientId ?? a.label;
    if (a.error !== null) {
      gaps.push({ key: `${id}:enumeration`, account: id, reason: a.error, message: `${a.label}: ${a.error}` });
    }
    const refusal = a.clientId === null ? undefined : refused.get(a.clientId);
    if (refusal !== undefined) {
      gaps.push({ key: `${id}:key`, account: id, reason: refusal, message: `${a.label}: ${refusal}` });
    }
    // The people unread: a gap of its own, unless it is the key's refusal already said.
    if (a.roster !== undefined && a.roster !== refusal && a.roster !== a.error) {
      gaps.push({ key: `${id}:roster`, account: id, reason: a.roster, message: `${a.label}: ${a.roster}` });
    }
    const stats = a.clientId === null ? undefined : perAccount.get(a.clientId);
    if (stats && stats.failed / stats.total > FAILED_SHARE_LIMIT) {
      const what =
        stats.failed === stats.total
          ? `none of its ${stats.total} token(s) could be read`
          : `${stats.failed} of its ${stats.total} tokens (${Math.round((100 * stats.failed) / stats.total)}%) could not be read`;
      const reason = `${what}${stats.reason ? ` (${stats.reason})` : ''}`;
      gaps.push({ key: `${id}:failures`, account: id, reason, message: `${a.label}: ${reason}` });
    }
  }
  return gaps;
}

/** Each account with a gap as one `coverage-gap` finding (high): it is posted, reminded and resolved like any other. */
export function coverageFindings(accounts: readonly AccountResult[], gaps: readonly CoverageGap[]): Finding[] {
  const byAccount = new Map<number | string, string[]>();
  for (const g of gaps) {
    byAccount.set(g.account, [...(byAccount.get(g.account) ?? []), g.reason]);
  }
  return [...byAccount].map(([id, reasons]) => {
    const account = accounts.find((a) => (a.clientId ?? a.label) === id);
    const clientId = typeof id === 'number' ? id : null;
    return {
      id: findingId(id, null, 'coverage-gap'),
      rule: 'coverage-gap',
      severity: 'high',
      clientId,
      accountName: account?.name ?? (clientId === null ? (account?.label ?? null) : null),
      ...NO_TOKEN,
      // The same cause found twice (enumeration, then a read with the same key) is said once.
      message: `Not fully audited: ${[...new Set(reasons)].join('; ')}.`,
      remediation: REMEDIATION['coverage-gap'],
      muted: false,
      muteReason: null,
    };
  });
}
