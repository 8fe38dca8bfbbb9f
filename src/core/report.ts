import { SEVERITIES, severityRank, type Severity } from './severity.js';
import { applyMutes, type Mute } from './mute.js';
import type { Finding } from './finding.js';

/** What auditing one token produced. Plain JSON: a worker job returns it as is. */
export interface TokenResult {
  readonly clientId: number;
  readonly tokenId: number;
  /** audited: read and evaluated; gone: 404; failed: could not be read or was invalid. */
  readonly status: 'audited' | 'gone' | 'failed';
  readonly findings: Finding[];
}

/** How enumerating one account went. */
export interface AccountResult {
  readonly clientId: number | null;
  readonly label: string;
  /** null when the account was enumerated; otherwise why it could not be (fully). */
  readonly error: string | null;
}

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
  /** Things the reader must know that are not findings: accounts not enumerated, lapsed mutes. */
  readonly warnings: string[];
}

export interface ReportInput {
  readonly runId: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly now: Date;
  readonly accounts: readonly AccountResult[];
  readonly results: Iterable<TokenResult>;
  readonly mutes: readonly Mute[];
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    a.clientId - b.clientId ||
    a.tokenId - b.tokenId ||
    a.rule.localeCompare(b.rule)
  );
}

/**
 * An account counts as audited when at least one of its tokens was read, or when it was enumerated and
 * had none. An account none of whose tokens could be read is named in the warnings with the first reason.
 */
export function buildReport(input: ReportInput): Report {
  const raw: Finding[] = [];
  const readAccounts = new Set<number>();
  const unread = new Map<number, { count: number; reason: string }>();
  let tokensAudited = 0;
  let failed = 0;
  for (const r of input.results) {
    raw.push(...r.findings);
    if (r.status === 'failed') {
      failed += 1;
      const entry = unread.get(r.clientId) ?? { count: 0, reason: r.findings[0]?.message ?? 'unknown' };
      unread.set(r.clientId, { ...entry, count: entry.count + 1 });
    } else {
      tokensAudited += 1;
      readAccounts.add(r.clientId);
    }
  }
  const { findings, lapsed } = applyMutes(raw, input.mutes, input.now);
  findings.sort(compareFindings);

  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) {
    bySeverity[f.severity] += 1;
  }
  const isRead = (a: AccountResult) => a.clientId !== null && readAccounts.has(a.clientId);
  const accounts = input.accounts.filter(
    (a) => isRead(a) || (a.error === null && (a.clientId === null || !unread.has(a.clientId))),
  ).length;
  const warnings: string[] = [];
  for (const a of input.accounts) {
    const none = a.clientId !== null && !isRead(a) ? unread.get(a.clientId) : undefined;
    if (a.error !== null) {
      warnings.push(`${a.label}: ${a.error}`);
    } else if (none) {
      warnings.push(`${a.label}: none of its ${none.count} token(s) could be read (${none.reason.replace(/^Could not be audited: /, '')})`);
    }
  }
  warnings.push(...lapsed);
  return {
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
    warnings,
  };
}
