import type { Finding } from '../core/finding.js';
import type { AlertState, ResolvedFinding } from './alert-state.js';

/** How a run moved the findings: the one definition the Slack header, `runs`, `report`, `findings` and /metrics share. */
export interface ChangeCounts {
  /** Findings told as new: unmuted, at or above minSeverity, never told before on any route (a renamed route's told state moves with it). */
  readonly new: number;
  /** Findings told as resolved: open and told before, open no more. */
  readonly resolved: number;
  /** Every open unmuted finding after the run, whatever its severity, held ones (token not read) included. */
  readonly open: number;
}

/** What counting needs of a route's plan (RoutePlan has it). */
export interface CountedRoute {
  readonly newFindings: readonly Finding[];
  readonly resolved: readonly ResolvedFinding[];
  readonly open: readonly Finding[];
}

/**
 * The counts of a run over the given routes, by finding id: a finding sent to several routes counts once.
 * Of one route: what that route's header says; of every route: the run's numbers, which `runs`, `report`
 * and `token_audit_open_findings` (the open ones) read from the committed run.
 */
export function countChanges(routes: readonly CountedRoute[]): ChangeCounts {
  const ids = (pick: (r: CountedRoute) => readonly { readonly id: string }[]) => new Set(routes.flatMap((r) => pick(r).map((f) => f.id))).size;
  return {
    new: ids((r) => r.newFindings),
    resolved: ids((r) => r.resolved.map((x) => x.finding)),
    open: ids((r) => r.open),
  };
}

/**
 * A sentinel sweep's counts, by the same definition: what it posted is new (once: the next run finds it told),
 * nothing resolves, open is every open unmuted finding once its posts are in.
 */
export function sweepCounts(previous: ReadonlyMap<string, AlertState>, upserts: readonly AlertState[]): ChangeCounts {
  const after = new Map(previous);
  for (const u of upserts) {
    after.set(u.key, u);
  }
  const unmuted = (fs: Finding[]) => fs.filter((f) => !f.muted);
  return countChanges([{ newFindings: unmuted(upserts.map((u) => u.finding)), resolved: [], open: unmuted([...after.values()].map((s) => s.finding)) }]);
}
