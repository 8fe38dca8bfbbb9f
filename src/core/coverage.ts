import type { AccountResult, TokenResult } from './report.js';

/** Where a run was blind: an account it could not enumerate, or one where over a tenth of the tokens failed. */
export interface CoverageGap {
  /** Stable across runs (account and kind), so a gap that persists is not news. */
  readonly key: string;
  readonly message: string;
}

/** More than this share of an account's tokens failing makes the run blind to that account. */
export const FAILED_SHARE_LIMIT = 0.1;

export function coverageGaps(
  accounts: readonly AccountResult[],
  results: readonly Pick<TokenResult, 'clientId' | 'tokenId' | 'status' | 'findings'>[],
): CoverageGap[] {
  const perAccount = new Map<number, { total: number; failed: number; reason: string | null }>();
  // In token order, so the reason quoted (the first failure's) does not depend on the order jobs finished in.
  for (const r of [...results].sort((a, b) => a.tokenId - b.tokenId)) {
    const entry = perAccount.get(r.clientId) ?? { total: 0, failed: 0, reason: null };
    entry.total += 1;
    if (r.status === 'failed') {
      entry.failed += 1;
      entry.reason ??= (r.findings[0]?.message ?? '').replace(/^Could not be audited: /, '') || null;
    }
    perAccount.set(r.clientId, entry);
  }
  const gaps: CoverageGap[] = [];
  for (const a of accounts) {
    const id = a.clientId ?? a.label;
    if (a.error !== null) {
      gaps.push({ key: `${id}:enumeration`, message: `${a.label}: ${a.error}` });
    }
    const stats = a.clientId === null ? undefined : perAccount.get(a.clientId);
    if (stats && stats.failed > 0 && stats.failed / stats.total > FAILED_SHARE_LIMIT) {
      const what =
        stats.failed === stats.total
          ? `none of its ${stats.total} token(s) could be read`
          : `${stats.failed} of its ${stats.total} tokens (${Math.round((100 * stats.failed) / stats.total)}%) could not be read`;
      gaps.push({ key: `${id}:failures`, message: `${a.label}: ${what}${stats.reason ? ` (${stats.reason})` : ''}` });
    }
  }
  return gaps;
}
