import { csvLine, type CsvCell } from './csv.js';
import { issuerCell, TOKEN_COLUMNS } from './finding-csv.js';
import type { TokenResult } from './report.js';

/** tokens.csv: every token the run tried, passing ones too: the inventory as the run saw it. */
export const TOKEN_CSV_HEADER = [...TOKEN_COLUMNS, 'status', 'result', 'rules'] as const;

/**
 * One token's line. result: pass (read, no rule broken), findings (read, some broken), not-checked (gone or not
 * read: its findings, if any, say why). A token not read has no row: its facts are left empty, never guessed.
 */
export function tokenCsvLine(r: TokenResult, accountName: string | null): string {
  const row = r.row;
  const result = r.status !== 'audited' ? 'not-checked' : r.findings.length === 0 ? 'pass' : 'findings';
  const cells: CsvCell[] = [
    r.clientId,
    accountName,
    r.tokenId,
    row?.name ?? null,
    row?.role ?? null,
    row?.owner ?? null,
    row === undefined ? null : issuerCell({ ...row.issuer, email: '' }),
    row?.created ?? null,
    row?.lastUsage ?? null,
    row?.expDate ?? null,
    r.status,
    result,
    r.findings.map((f) => f.rule).join(' '),
  ];
  return csvLine(cells);
}
