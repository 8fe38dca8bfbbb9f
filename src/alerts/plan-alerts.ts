import { atLeast, type Severity } from '../core/severity.js';
import type { Finding } from '../core/finding.js';
import type { AccountResult, TokenResult } from '../core/report.js';

/** What is kept in Redis per open finding id. Resolved findings are deleted: if one comes back it is new again. */
export interface AlertState {
  readonly finding: Finding;
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** null: never posted (or muted since, which resets it). */
  readonly lastNotified: string | null;
}

/** What a run saw, so that nothing it did not see is resolved. */
export interface RunCoverage {
  readonly accounts: readonly AccountResult[];
  readonly results: readonly Pick<TokenResult, 'clientId' | 'tokenId' | 'status'>[];
}

export interface AlertPlan {
  /** States to write (new or changed). */
  readonly upserts: AlertState[];
  /** Every finding open after this run: the upserts plus those kept open because the run did not see them. */
  readonly open: AlertState[];
  /** Finding ids to delete: resolved. */
  readonly resolvedIds: string[];
  readonly newFindings: Finding[];
  readonly reminders: Finding[];
  /** Resolved findings that had been posted (the others resolve silently). */
  readonly resolved: Finding[];
}

export interface PlanOptions {
  readonly now: Date;
  readonly minSeverity: Severity;
  readonly renotifyAfterHours: number;
}

const key = (clientId: number, tokenId: number) => `${clientId}:${tokenId}`;

/**
 * The alert lifecycle as a pure function: previous states and this run's findings in, what to store and
 * what to post out. Posted: findings new since the last run (or whose mute lapsed, or that rose above the
 * minimum severity), open findings again after `renotifyAfterHours`, and findings resolved since the last
 * run. A finding is resolved only when the run saw its token: read it (audited or 404), or enumerated its
 * account and found the token gone from it. A token that failed, or an account whose listing failed, keeps
 * its findings open.
 */
export function planAlerts(
  previous: ReadonlyMap<string, AlertState>,
  findings: readonly Finding[],
  coverage: RunCoverage,
  options: PlanOptions,
): AlertPlan {
  const now = options.now.toISOString();
  const renotifyMs = options.renotifyAfterHours * 3_600_000;
  const upserts: AlertState[] = [];
  const newFindings: Finding[] = [];
  const reminders: Finding[] = [];

  for (const f of findings) {
    const prev = previous.get(f.id);
    const notifiable = !f.muted && atLeast(f.severity, options.minSeverity);
    let lastNotified = f.muted ? null : (prev?.lastNotified ?? null);
    if (notifiable && lastNotified === null) {
      newFindings.push(f);
      lastNotified = now;
    } else if (notifiable && lastNotified !== null && options.now.getTime() - Date.parse(lastNotified) >= renotifyMs) {
      reminders.push(f);
      lastNotified = now;
    }
    upserts.push({ finding: f, firstSeen: prev?.firstSeen ?? now, lastSeen: now, lastNotified });
  }

  const current = new Set(findings.map((f) => f.id));
  const read = new Set(coverage.results.filter((r) => r.status !== 'failed').map((r) => key(r.clientId, r.tokenId)));
  const inRun = new Set(coverage.results.map((r) => key(r.clientId, r.tokenId)));
  const enumerated = new Set(coverage.accounts.filter((a) => a.error === null && a.clientId !== null).map((a) => a.clientId));
  const sawToken = (f: Finding) =>
    read.has(key(f.clientId, f.tokenId)) || (!inRun.has(key(f.clientId, f.tokenId)) && enumerated.has(f.clientId));

  const resolvedIds: string[] = [];
  const resolved: Finding[] = [];
  const open = [...upserts];
  for (const [id, state] of previous) {
    if (current.has(id)) {
      continue;
    }
    if (sawToken(state.finding)) {
      resolvedIds.push(id);
      if (state.lastNotified !== null) {
        resolved.push(state.finding);
      }
    } else {
      open.push(state);
    }
  }
  return { upserts, open, resolvedIds, newFindings, reminders, resolved };
}
