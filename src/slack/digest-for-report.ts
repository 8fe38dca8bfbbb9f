import { atLeast, type Severity } from '../core/severity.js';
import type { Report } from '../core/report.js';
import { buildDigest, type SlackMessage } from './build-digest.js';

/** The one-shot digest: every unmuted finding at or above `minSeverity`; nothing when none. */
export function digestForReport(report: Report, minSeverity: Severity): SlackMessage[] {
  const unmuted = report.findings.filter((f) => !f.muted);
  const shown = unmuted.filter((f) => atLeast(f.severity, minSeverity));
  if (shown.length === 0) {
    return [];
  }
  return buildDigest({
    now: new Date(report.evaluatedAt),
    sections: [{ title: null, findings: shown }],
    omitted: { muted: report.summary.muted, belowMinSeverity: unmuted.length - shown.length, minSeverity },
    coverage: report.coverage,
  });
}
