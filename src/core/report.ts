import { SEVERITIES, severityRank, type Severity } from './severity.js';
import { applyMutes, type Mute } from './mute.js';
import type { Finding } from './finding.js';
import { coverageGaps, coverageFindings, type CoverageGap } from './coverage.js';
import type { AccountResult, TokenResult } from './token-result.js';

// Re-exported: these types live in token-result.ts so that coverage.ts need not import this file (no circle).
export type { AccountResult, TokenResult, TokenRow, TokenSnapshot } from './token-result.js';

export interface Report {
  readonly runId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** The instant the rules were evaluated at (`--now`, or the run's start). */
  readonly evaluatedAt: string;
  readonly summary: {
    readonly accounts: number;
    readonly tokensAudited: number;
    readonly findings: number;
    readonly bySeverity: Record<Severity, number>;
    readonly muted: number;
    readonly failed: number;
  };
  readonly findings: Finding[];
  /** Where the run was blind: accounts not enumerated, or with more than a tenth of their tokens unread. */
  readonly coverage: string[];
  /** Everything the reader must know that is not a finding: the coverage gaps, then lapsed mutes. */
  readonly warnings: string[];
  /** Tokens issued by the audit key's own user (`account:token`), when any: revoking one may cut the audit off. */
  readonly keyUserTokens?: string[];
}

export interface ReportInput {
  readonly runId: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly now: Date;
  readonly accounts: readonly AccountResult[];
  readonly results: Iterable<TokenResult>;
  /**
   * Per account, tokens read (audited or gone) that are not in `results`: counted, not kept, so a worker's report
   * need not hold every token (jobs/report-job.ts streams them). Their findings, if any, are `findings`.
   */
  readonly counted?: ReadonlyMap<number, number>;
  /** The findings of the tokens `counted` counts (each token read, none failed). */
  readonly findings?: Iterable<Finding>;
  readonly mutes: readonly Mute[];
  /** Findings about no token nor account, made by the caller (`slack-route-failing`): reported like the others. */
  readonly more?: readonly Finding[];
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    (a.clientId ?? 0) - (b.clientId ?? 0) ||
    (a.tokenId ?? 0) - (b.tokenId ?? 0) ||
    a.rule.localeCompare(b.rule)
  );
}

/** An account counts as audited when at least one of its tokens was read, or when it was enumerated and had none. */
export function buildReport(input: ReportInput): Report {
  return buildReportWithGaps(input).report;
}

/** The report and the coverage gaps it holds (the worker commits their keys): the gaps are worked out once per run. */
export function buildReportWithGaps(input: ReportInput): { report: Report; gaps: CoverageGap[] } {
  const results = [...input.results];
  const names = new Map(input.accounts.filter((a) => a.clientId !== null && a.name).map((a) => [a.clientId, a.name ?? null]));
  const named = (f: Finding): Finding => {
    // The map holds no null key (see the filter), so a keyless account's finding keeps its own name.
    const accountName = names.get(f.clientId) ?? f.accountName;
    return accountName === f.accountName ? f : { ...f, accountName };
  };
  const raw: Finding[] = [];
  // Of number | null so a keyless account (null) can be looked up: it is never in them.
  const readAccounts = new Set<number | null>();
  const triedAccounts = new Set<number | null>();
  let tokensAudited = 0;
  let failed = 0;
  const keyUserTokens: string[] = [];
  for (const r of results) {
    if (r.keyUser === true) {
      keyUserTokens.push(`${r.clientId}:${r.tokenId}`);
    }
    for (const f of r.findings) {
      raw.push(named(f));
    }
    triedAccounts.add(r.clientId);
    if (r.status === 'failed') {
      failed += 1;
    } else {
      tokensAudited += 1;
      readAccounts.add(r.clientId);
    }
  }
  for (const f of input.findings ?? []) {
    raw.push(named(f));
  }
  for (const [clientId, count] of input.counted ?? []) {
    if (count > 0) {
      tokensAudited += count;
      triedAccounts.add(clientId);
      readAccounts.add(clientId);
    }
  }
  const gaps = coverageGaps(input.accounts, results, input.counted);
  for (const f of [...coverageFindings(input.accounts, gaps), ...(input.more ?? [])]) {
    raw.push(f);
  }
  const { findings, lapsed } = applyMutes(raw, input.mutes, input.now);
  findings.sort(compareFindings);

  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) {
    bySeverity[f.severity] += 1;
  }
  const accounts = input.accounts.filter(
    (a) => readAccounts.has(a.clientId) || (a.error === null && !triedAccounts.has(a.clientId)),
  ).length;
  const coverage = gaps.map((g) => g.message);
  const report: Report = {
    runId: input.runId,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    evaluatedAt: input.now.toISOString(),
    summary: {
      accounts,
      tokensAudited,
      findings: findings.length,
      bySeverity,
      muted: findings.filter((f) => f.muted).length,
      failed,
    },
    findings,
    coverage,
    warnings: [...coverage, ...lapsed, ...input.mutes.flatMap((m) => (m.capped === undefined ? [] : [m.capped]))],
    ...(keyUserTokens.length > 0 ? { keyUserTokens: keyUserTokens.sort() } : {}),
  };
  return { report, gaps };
}
