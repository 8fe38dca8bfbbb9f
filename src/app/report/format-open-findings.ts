import type { OpenFinding } from '../../alerts/open-findings.js';
import { SEVERITIES } from '../../core/severity.js';
import { formatCsv } from './format-csv.js';
import { issuerCell } from '../../core/finding-csv.js';
import { day, findingCells, findingRows, FINDING_HEADER } from './format-table.js';

/** The audit table's columns, with when each finding was first seen before its message. */
export function formatOpenFindingsTable(
  findings: readonly OpenFinding[],
  hidden: { readonly muted: number; readonly showingMuted: boolean },
  wide = false,
): string {
  const header = [...FINDING_HEADER.slice(0, -1), 'FIRST SEEN', FINDING_HEADER[FINDING_HEADER.length - 1] ?? 'MESSAGE'];
  const rows = findings.map((f) => {
    const cells = findingCells(f, wide);
    return [...cells.slice(0, -1), day(f.firstSeen, '-'), cells[cells.length - 1] ?? ''];
  });
  const counts = SEVERITIES.slice()
    .reverse()
    .map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const what = hidden.showingMuted ? 'muted open finding' : 'open finding';
  const summary = [`${findings.length} ${what}${findings.length === 1 ? '' : 's'}${counts ? ` (${counts})` : ''}`];
  const acked = findings.filter((f) => f.acknowledged !== undefined);
  if (acked.length > 0) {
    const named = acked.slice(0, 5).map((f) => `${f.id} by ${f.acknowledged?.name ?? '?'} until ${day(f.acknowledged?.until ?? null, '-')}`);
    const more = acked.length > named.length ? `, +${acked.length - named.length} more (--format json lists them)` : '';
    summary.push(`${acked.length} acknowledged in Slack, not reminded (${named.join(', ')}${more})`);
  }
  if (!hidden.showingMuted && hidden.muted > 0) {
    summary.push(`${hidden.muted} muted not shown (--muted lists them)`);
  }
  const body = rows.length > 0 ? findingRows(header, rows, wide) : [`No ${what}s.`];
  return `${[...body, '', summary.join(' · ')].join('\n')}\n`;
}

/**
 * The open findings as CSV; the last two columns (added after the others, so a sheet reading them by place
 * still works) say who acknowledged a finding in Slack (name and Slack user id) and until when it is not reminded.
 */
export function formatOpenFindingsCsv(findings: readonly OpenFinding[]): string {
  const header = ['id', 'severity', 'rule', 'clientId', 'accountName', 'tokenId', 'tokenName', 'role', 'owner', 'lastUsage', 'expDate', 'firstSeen', 'lastSeen', 'lastNotified', 'routes', 'muted', 'muteReason', 'message', 'issuer', 'created', 'remediation', 'acknowledgedBy', 'acknowledgedUntil'];
  return formatCsv(
    header,
    findings.map((f) => [
      f.id, f.severity, f.rule, f.clientId, f.accountName, f.tokenId, f.tokenName, f.role, f.owner, f.lastUsage, f.expDate, f.firstSeen, f.lastSeen, f.lastNotified, f.routes.join(' '), f.muted, f.muteReason, f.message, issuerCell(f.issuer), f.created, f.remediation,
      f.acknowledged === undefined ? null : `${f.acknowledged.name} (${f.acknowledged.by})`,
      f.acknowledged?.until ?? null,
    ]),
  );
}
