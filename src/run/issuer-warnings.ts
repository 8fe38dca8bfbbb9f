import type { TokenResult } from '../core/report.js';

/**
 * The report's warnings about the issuer rules: the directory that could not be used (its rules then decided
 * nothing for any token), and each issuer rule not evaluated for some tokens, with how many. Never an email.
 */
/** What the issuer warnings count, folded a result at a time (the report job reads results in pages). */
export interface IssuerTally {
  audited: number;
  readonly notEvaluated: Map<string, number>;
}

export const newIssuerTally = (): IssuerTally => ({ audited: 0, notEvaluated: new Map() });

export function tallyIssuer(tally: IssuerTally, r: TokenResult): void {
  if (r.status === 'audited') {
    tally.audited += 1;
  }
  for (const rule of r.notEvaluated ?? []) {
    tally.notEvaluated.set(rule, (tally.notEvaluated.get(rule) ?? 0) + 1);
  }
}

export function issuerWarnings(results: Iterable<TokenResult>, directoryProblem: string | null): string[] {
  const tally = newIssuerTally();
  for (const r of results) {
    tallyIssuer(tally, r);
  }
  return issuerTallyWarnings(tally, directoryProblem);
}

/** The warnings of a tally: the directory's problem, then each issuer rule not evaluated, with how many tokens. */
export function issuerTallyWarnings(tally: IssuerTally, directoryProblem: string | null): string[] {
  const out = directoryProblem === null ? [] : [`${directoryProblem} (issuer-left not evaluated for ${tally.audited} token(s))`];
  for (const [rule, n] of [...tally.notEvaluated].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`${rule} not evaluated for ${n} token(s): ${rule === 'issuer-dormant' ? "Gcore's login history does not cover their issuers" : "their issuer's current role, or its rank beside the token's, is not known"}`);
  }
  return out;
}
