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

/** What a report says of its findings, tallied as they come (reportBuilder). */
interface FindingTally {
  findings: number;
  muted: number;
  readonly bySeverity: Record<Severity, number>;
  readonly lapsed: Set<string>;
}

/**
 * A run's report built as its findings come, a batch at a time: `add` gives each batch as the report has it
 * (its account named, the mutes applied) and counts it; `finish` takes the tokens kept whole and the per-account
 * counts of the others, adds the coverage gaps' findings and those of the caller (`more`), and makes the report.
 * The worker writes each batch away as it comes (its report holds none of them: `findings` stays empty);
 * buildReportWithGaps keeps them all, sorted. One home for what the report says, whichever way it is built.
 */
export function reportBuilder(input: Pick<ReportInput, 'runId' | 'startedAt' | 'finishedAt' | 'now' | 'accounts' | 'mutes'>) {
  const names = new Map(input.accounts.filter((a) => a.clientId !== null && a.name).map((a) => [a.clientId, a.name ?? null]));
  const named = (f: Finding): Finding => {
    // The map holds no null key (see the filter), so a keyless account's finding keeps its own name.
    const accountName = names.get(f.clientId) ?? f.accountName;
    return accountName === f.accountName ? f : { ...f, accountName };
  };
  const tally: FindingTally = { findings: 0, muted: 0, bySeverity: Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>, lapsed: new Set() };
  const add = (raw: readonly Finding[], name = true): Finding[] => {
    const { findings, lapsed } = applyMutes(name ? raw.map(named) : raw, input.mutes, input.now);
    for (const l of lapsed) {
      tally.lapsed.add(l);
    }
    for (const f of findings) {
      tally.findings += 1;
      tally.muted += f.muted ? 1 : 0;
      tally.bySeverity[f.severity] += 1;
    }
    return findings;
  };
  return {
    add: (raw: readonly Finding[]) => add(raw),
    /**
     * The report (its `findings` empty), its coverage gaps, and the findings `finish` added: those of `results`,
     * then the coverage gaps', then `more`, as the report has them.
     */
    finish(rest: Pick<ReportInput, 'results' | 'counted' | 'more'>): { report: Report; gaps: CoverageGap[]; findings: Finding[] } {
      const results = [...rest.results];
      // Of number | null so a keyless account (null) can be looked up: it is never in them.
      const readAccounts = new Set<number | null>();
      const triedAccounts = new Set<number | null>();
      let tokensAudited = 0;
      let failed = 0;
      const keyUserTokens: string[] = [];
      const own: Finding[] = [];
      for (const r of results) {
        if (r.keyUser === true) {
          keyUserTokens.push(`${r.clientId}:${r.tokenId}`);
        }
        own.push(...r.findings);
        triedAccounts.add(r.clientId);
        if (r.status === 'failed') {
          failed += 1;
        } else {
          tokensAudited += 1;
          readAccounts.add(r.clientId);
        }
      }
      for (const [clientId, count] of rest.counted ?? []) {
        if (count > 0) {
          tokensAudited += count;
          triedAccounts.add(clientId);
          readAccounts.add(clientId);
        }
      }
      const gaps = coverageGaps(input.accounts, results, rest.counted);
      const findings = [...add(own), ...add([...coverageFindings(input.accounts, gaps), ...(rest.more ?? [])], false)];
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
          findings: tally.findings,
          bySeverity: { ...tally.bySeverity },
          muted: tally.muted,
          failed,
        },
        findings: [],
        coverage,
        warnings: [...coverage, ...tally.lapsed, ...input.mutes.flatMap((m) => (m.capped === undefined ? [] : [m.capped]))],
        ...(keyUserTokens.length > 0 ? { keyUserTokens: keyUserTokens.sort() } : {}),
      };
      return { report, gaps, findings };
    },
  };
}

/** The report and the coverage gaps it holds (the worker commits their keys): the gaps are worked out once per run. */
export function buildReportWithGaps(input: ReportInput): { report: Report; gaps: CoverageGap[] } {
  const builder = reportBuilder(input);
  const counted = builder.add([...(input.findings ?? [])]);
  const { report, gaps, findings } = builder.finish(input);
  const all = [...findings, ...counted];
  all.sort(compareFindings);
  return { report: { ...report, findings: all }, gaps };
}
