import type { Finding } from '../../core/finding.js';
import type { Report } from '../../core/report.js';
import { cutTo, fitWidths, TERMINAL_WIDTH, type Fit } from './fit-columns.js';

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

/**
 * Rows under a header, each column as wide as its widest cell, the last one left ragged; with `fit`, the
 * columns it names are cut (ending in "…") so that every line fits its width. A header is never cut.
 */
export function alignRows(header: readonly string[], rows: readonly (readonly string[])[], fit?: Fit): string[] {
  // reduce, not Math.max(...rows): a spread of 100,000 rows overflows the call stack
  const natural = header.map((h, i) => rows.reduce((w, r) => Math.max(w, [...(r[i] ?? '')].length), [...h].length));
  const floors = new Map([...(fit?.floors ?? [])].map(([i, floor]) => [i, Math.max(floor, [...(header[i] ?? '')].length)]));
  const widths = fit === undefined ? natural : fitWidths(natural, { width: fit.width, floors });
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => {
        const cell = cutTo(c, widths[i] ?? 0);
        return i === r.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - [...cell].length);
      })
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** The columns of FINDING_HEADER the default table keeps: the dates are left to `-o wide` (the message states them). */
export const NARROW_FINDING_COLUMNS = ['SEVERITY', 'RULE', 'ACCOUNT', 'TOKEN', 'NAME', 'OWNER', 'MESSAGE'] as const;

/**
 * The default table: only NARROW_FINDING_COLUMNS of `header` (by name), cut to fit a 120-column terminal;
 * `wide`: every column whole.
 */
export function findingRows(header: readonly string[], rows: readonly (readonly string[])[], wide: boolean): string[] {
  if (wide) {
    return alignRows(header, rows);
  }
  const keep = NARROW_FINDING_COLUMNS.map((name) => header.indexOf(name));
  const pick = (r: readonly string[]) => keep.map((i) => r[i] ?? '');
  // Cut first what is long and least needed to act: the message (the rule says what), then owner, name, account.
  const floors = new Map([
    [2, 10],
    [4, 10],
    [5, 10],
    [6, 24],
  ]);
  return alignRows(NARROW_FINDING_COLUMNS, rows.map(pick), { width: TERMINAL_WIDTH, floors });
}

export const FINDING_HEADER = ['SEVERITY', 'RULE', 'ACCOUNT', 'TOKEN', 'NAME', 'OWNER', 'LAST USED', 'EXPIRES', 'MESSAGE'] as const;

/**
 * A finding's cells under FINDING_HEADER. `wide`: the account as `Production CDN (456)`; else `456 Production
 * CDN`, so that a cut (from the right) keeps the account id.
 */
export function findingCells(f: Finding, wide = true): string[] {
  const id = String(f.clientId ?? '-');
  return [
    f.muted ? `${f.severity} (muted)` : f.severity,
    f.rule,
    f.accountName === null ? id : wide ? `${cell(f.accountName, 24)} (${id})` : `${id} ${cell(f.accountName, 24)}`,
    f.tokenId === null ? '-' : String(f.tokenId),
    cell(f.tokenName, 32),
    cell(f.owner, 20),
    f.created === null ? '?' : day(f.lastUsage, 'never'),
    f.created === null ? '?' : day(f.expDate, 'never'),
    cell(f.muted ? `${f.message} Muted: ${f.muteReason ?? ''}` : f.message, 200),
  ];
}

export interface TableOptions {
  /** Every column whole (`-o wide`); else the table fits 120 columns. */
  readonly wide?: boolean;
  /** Accounts that could not be audited, and why in a few words (`key rejected`). */
  readonly notAudited?: { readonly count: number; readonly reasons: readonly string[] } | null;
}

/** Findings sorted by severity (the report's order), aligned, with a summary line. */
export function formatTable(report: Report, options: TableOptions = {}): string {
  const wide = options.wide === true;
  const rows = report.findings.map((f) => findingCells(f, wide));
  const s = report.summary;
  const severities = Object.entries(s.bySeverity)
    .reverse()
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  const summary =
    `${s.findings} finding${s.findings === 1 ? '' : 's'}${severities ? ` (${severities})` : ''}` +
    ` · ${s.tokensAudited} token${s.tokensAudited === 1 ? '' : 's'} audited in ${s.accounts} account${s.accounts === 1 ? '' : 's'}` +
    ` · ${s.muted} muted · ${s.failed} failed` +
    notAuditedText(options.notAudited ?? null);
  const out = rows.length > 0 ? [...findingRows(FINDING_HEADER, rows, wide), '', summary] : ['No findings.', '', summary];
  for (const w of report.warnings) {
    out.push(`warning: ${cell(w, 500)}`);
  }
  if (report.keyUserTokens !== undefined) {
    out.push(`issued by the audit key's own user (account:token): ${cell(report.keyUserTokens.join(', '), 500)}`);
  }
  return `${out.join('\n')}\n`;
}

function notAuditedText(notAudited: TableOptions['notAudited']): string {
  if (!notAudited || notAudited.count <= 0) {
    return '';
  }
  const n = notAudited.count;
  return ` · ${n} account${n === 1 ? '' : 's'} not audited${notAudited.reasons.length > 0 ? `: ${notAudited.reasons.join(', ')}` : ''}`;
}
