import type { Finding } from '../core/finding.js';
import { atLeast, type Severity } from '../core/severity.js';
import { oldestOpenBySeverity } from '../core/finding-ages.js';
import type { AlertState } from './alert-state.js';

/**
 * How many findings are open after a run, as a header says it. Counts, not lists: a plan made of parts of a run
 * (addPlans) adds them up, and no list of every open finding is held to say how many there are.
 */
export interface OpenTally {
  /** Open and unmuted, whatever the severity (ChangeCounts.open). */
  readonly unmuted: number;
  /** Open, unmuted, at or above minSeverity: a header's "N open". */
  readonly shown: number;
  /** Of `shown`: the critical ones, and the high ones. */
  readonly critical: number;
  readonly high: number;
}

/** The run's open findings, each counted once whatever the number of its routes. */
export interface RunOpen extends OpenTally {
  /** Open and muted (`plan`'s "unchanged (N muted)"). */
  readonly muted: number;
  /** Open unmuted by "rule|severity" (/metrics' token_audit_open_findings). */
  readonly byRule: ReadonlyMap<string, number>;
  /** The first seen (ms since epoch) of the oldest open unmuted finding, by severity (oldestOpenBySeverity). */
  readonly oldest: ReadonlyMap<Severity, number>;
}

/** The tally of findings, each counted as given (a route's open findings: each once). */
export function tallyOpen(findings: Iterable<Pick<Finding, 'muted' | 'severity'>>, minSeverity: Severity): OpenTally {
  let unmuted = 0;
  let shown = 0;
  let critical = 0;
  let high = 0;
  for (const f of findings) {
    if (f.muted) {
      continue;
    }
    unmuted += 1;
    if (atLeast(f.severity, minSeverity)) {
      shown += 1;
      critical += f.severity === 'critical' ? 1 : 0;
      high += f.severity === 'high' ? 1 : 0;
    }
  }
  return { unmuted, shown, critical, high };
}

/** Open unmuted findings by "rule|severity"; a finding of several states (routes) counts once, as its first unmuted one. */
export function openCountsOf(open: Iterable<Pick<AlertState, 'finding'>>): Map<string, number> {
  const counts = new Map<string, number>();
  const seen = new Set<string>();
  for (const s of open) {
    if (!s.finding.muted && !seen.has(s.finding.id)) {
      seen.add(s.finding.id);
      const c = `${s.finding.rule}|${s.finding.severity}`;
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
  }
  return counts;
}

/** The run's open states counted by finding (the first state of each finding speaks for it). */
export function runOpen(open: readonly Pick<AlertState, 'finding' | 'firstSeen'>[], minSeverity: Severity): RunOpen {
  const byId = new Map<string, Pick<Finding, 'muted' | 'severity'>>();
  for (const s of open) {
    if (!byId.has(s.finding.id)) {
      byId.set(s.finding.id, s.finding);
    }
  }
  let muted = 0;
  for (const f of byId.values()) {
    muted += f.muted ? 1 : 0;
  }
  return { ...tallyOpen(byId.values(), minSeverity), muted, byRule: openCountsOf(open), oldest: oldestOpenBySeverity(open) };
}
