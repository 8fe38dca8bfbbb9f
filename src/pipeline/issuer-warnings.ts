import type { TokenResult } from '../core/report.js';

/**
 * The report's warnings about the issuer rules: the directory that could not be used (its rules then decided
 * nothing for any token), and each issuer rule not evaluated for some tokens, with how many. Never an email.
 */
export function issuerWarnings(results: Iterable<TokenResult>, directoryProblem: string | null): string[] {
  const counts = new Map<string, number>();
  let audited = 0;
  for (const r of results) {
    if (r.status === 'audited') {
      audited += 1;
    }
    for (const rule of r.notEvaluated ?? []) {
      counts.set(rule, (counts.get(rule) ?? 0) + 1);
    }
  }
  const out = directoryProblem === null ? [] : [`${directoryProblem} (issuer-left not evaluated for ${audited} token(s))`];
  for (const [rule, n] of [...counts].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`${rule} not evaluated for ${n} token(s): ${rule === 'issuer-dormant' ? "Gcore's login history does not cover their issuers" : "their issuer's current role, or its rank beside the token's, is not known"}`);
  }
  return out;
}
