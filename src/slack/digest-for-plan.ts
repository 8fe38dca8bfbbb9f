import { atLeast, type Severity } from '../core/severity.js';
import type { Report } from '../core/report.js';
import type { AlertPlan } from '../alerts/plan-alerts.js';
import { buildDigest, type SlackMessage } from './build-digest.js';

/**
 * A worker run's digest: what is new, what is still open after the reminder interval, what was resolved,
 * and where the run was blind. Nothing when nothing changed; a new coverage gap is a change.
 */
export function digestForPlan(plan: AlertPlan, report: Report, minSeverity: Severity, now: Date, newGaps: number): SlackMessage[] {
  if (plan.newFindings.length === 0 && plan.reminders.length === 0 && plan.resolved.length === 0 && newGaps === 0) {
    return [];
  }
  const unmuted = report.findings.filter((f) => !f.muted);
  return buildDigest({
    now,
    sections: [
      { title: 'New', findings: plan.newFindings },
      { title: 'Still open (reminder)', findings: plan.reminders },
      { title: 'Resolved', findings: plan.resolved },
    ],
    omitted: {
      muted: report.summary.muted,
      belowMinSeverity: unmuted.filter((f) => !atLeast(f.severity, minSeverity)).length,
      minSeverity,
    },
    coverage: report.coverage,
  });
}
