import { compareFindings } from '../core/report.js';
import type { Finding } from '../core/finding.js';
import { atLeast, type Severity } from '../core/severity.js';
import type { RuleId } from '../core/rule-catalog.js';
import type { AlertState } from './plan-alerts.js';

/** An open finding as the worker holds it: the report's finding and its life across routes. */
export interface OpenFinding extends Finding {
  /** The earliest first seen of its routes. */
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** The latest time any route was told; null when none was. */
  readonly lastNotified: string | null;
  /** The routes it is open in, by name. */
  readonly routes: readonly string[];
  /** Acknowledged from Slack and in force: by whom (Slack user id and name), when, and until when reminders skip it. */
  readonly acknowledged?: { readonly by: string; readonly name: string; readonly at: string; readonly until: string };
}

export interface FindingFilter {
  /** At or above. */
  readonly severity?: Severity;
  readonly rule?: RuleId;
  readonly clientId?: number;
  /** The token's owner, case aside (owners are often emails, spelt as whoever wrote them). */
  readonly owner?: string;
  /** true: only muted findings; false: only unmuted ones. */
  readonly muted: boolean;
}

const later = (a: string | null, b: string | null) => (a === null ? b : b === null || a > b ? a : b);

/** One entry per finding id (states are kept per route), filtered, most severe first (the report's order). */
export function openFindings(states: Iterable<AlertState>, filter: FindingFilter): OpenFinding[] {
  const byId = new Map<string, OpenFinding>();
  for (const s of states) {
    const seen = byId.get(s.finding.id);
    if (seen === undefined) {
      byId.set(s.finding.id, { ...s.finding, firstSeen: s.firstSeen, lastSeen: s.lastSeen, lastNotified: s.lastNotified, routes: [s.route] });
      continue;
    }
    // The finding as last seen: a route not read by the latest run keeps an older copy.
    const base = s.lastSeen > seen.lastSeen ? s.finding : seen;
    byId.set(s.finding.id, {
      ...base,
      firstSeen: s.firstSeen < seen.firstSeen ? s.firstSeen : seen.firstSeen,
      lastSeen: s.lastSeen > seen.lastSeen ? s.lastSeen : seen.lastSeen,
      lastNotified: later(seen.lastNotified, s.lastNotified),
      routes: [...seen.routes, s.route].sort(),
    });
  }
  return [...byId.values()]
    .filter(
      (f) =>
        f.muted === filter.muted &&
        (filter.severity === undefined || atLeast(f.severity, filter.severity)) &&
        (filter.rule === undefined || f.rule === filter.rule) &&
        (filter.clientId === undefined || f.clientId === filter.clientId) &&
        (filter.owner === undefined || f.owner?.toLowerCase() === filter.owner.toLowerCase()),
    )
    .sort(compareFindings);
}
