import type { Finding } from '../core/finding.js';
import type { Report } from '../core/report.js';

// Names come from whoever created the token: control characters could move the cursor or recolour a
// terminal, so they are replaced.
export function cell(value: string | null, max: number): string {
  // eslint-disable-next-line no-control-regex
  const flat = (value ?? '-').replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
  const chars = [...flat];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : flat;
}

export function day(iso: string | null, none: string): string {
  return iso === null ? none : iso.slice(0, 10);
}

/** Rows under a header, each column as wide as its widest cell, the last one left ragged. */
export function alignRows(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  // reduce, not Math.max(...rows): a spread of 100,000 rows overflows the call stack
  const widths = header.map((h, i) => rows.reduce((w, r) => Math.max(w, [...(r[i] ?? '')].length), [...h].length));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - [...c].length)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

export const FINDING_HEADER = ['SEVERITY', 'RULE', 'ACCOUNT', 'TOKEN', 'NAME', 'OWNER', 'LAST USED', 'EXPIRES', 'MESSAGE'] as const;

/** A finding's cells under FINDING_HEADER. */
export function findingCells(f: Finding): string[] {
  return [
    f.muted ? `${f.severity} (muted)` : f.severity,
    f.rule,
    f.accountName === null ? String(f.clientId ?? '-') : `${cell(f.accountName, 24)} (${f.clientId ?? '-'})`,
    f.tokenId === null ? '-' : String(f.tokenId),
    cell(f.tokenName, 32),
    cell(f.owner, 20),
    f.created === null ? '?' : day(f.lastUsage, 'never'),
    f.created === null ? '?' : day(f.expDate, 'never'),
    cell(f.muted ? `${f.message} Muted: ${f.muteReason ?? ''}` : f.message, 200),
  ];
}

/** Findings sorted by severity (the report's order), aligned, with a summary line. */
export function formatTable(report: Report): string {
  const rows = report.findings.map(findingCells);
  const s = report.summary;
  const severities = Object.entries(s.bySeverity)
    .reverse()
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  const summary =
    `${s.findings} finding${s.findings === 1 ? '' : 's'}${severities ? ` (${severities})` : ''}` +
    ` · ${s.tokensAudited} token${s.tokensAudited === 1 ? '' : 's'} audited in ${s.accounts} account${s.accounts === 1 ? '' : 's'}` +
    ` · ${s.muted} muted · ${s.failed} failed`;
  const out = rows.length > 0 ? [...alignRows(FINDING_HEADER, rows), '', summary] : ['No findings.', '', summary];
  for (const w of report.warnings) {
    out.push(`warning: ${cell(w, 500)}`);
  }
  return `${out.join('\n')}\n`;
}
