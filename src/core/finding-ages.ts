import type { Severity } from './severity.js';

/** What ageing needs of a finding's alert state (AlertState has it). */
export interface AgedState {
  readonly finding: { readonly id: string; readonly severity: Severity; readonly muted?: boolean };
  readonly firstSeen: string;
}

/** The first seen (ms since epoch) of the oldest open unmuted finding, by severity; a severity with none is absent. */
export function oldestOpenBySeverity(open: Iterable<AgedState>): Map<Severity, number> {
  const out = new Map<Severity, number>();
  for (const s of open) {
    const at = Date.parse(s.firstSeen);
    if (s.finding.muted || Number.isNaN(at)) {
      continue;
    }
    const was = out.get(s.finding.severity);
    if (was === undefined || at < was) {
      out.set(s.finding.severity, at);
    }
  }
  return out;
}

/**
 * Seconds from first seen to `now` of each finding this run resolved, once per finding id: a state deleted
 * because its finding moved to another route (still open) is not a resolution. The earliest first seen of
 * the finding's routes counts.
 */
export function resolvedAges(previous: ReadonlyMap<string, AgedState>, deletedKeys: readonly string[], stillOpen: Iterable<AgedState>, now: Date): number[] {
  const open = new Set<string>();
  for (const s of stillOpen) {
    open.add(s.finding.id);
  }
  const first = new Map<string, number>();
  for (const key of deletedKeys) {
    const s = previous.get(key);
    if (s === undefined || open.has(s.finding.id)) {
      continue;
    }
    const at = Date.parse(s.firstSeen);
    const was = first.get(s.finding.id);
    if (!Number.isNaN(at) && (was === undefined || at < was)) {
      first.set(s.finding.id, at);
    }
  }
  return [...first.values()].map((at) => Math.max(0, Math.round((now.getTime() - at) / 1000)));
}
