/** A cell of a CSV row: null is an empty cell. */
export type CsvCell = string | number | boolean | null;

/**
 * One RFC 4180 line (CRLF-terminated). Cells come from whoever created the token: one that a spreadsheet
 * would run as a formula (starting `=`, `+`, `-`, `@`, tab or CR) gets a leading `'` (OWASP's advice on CSV
 * injection). Numbers are ours and left as they are (a negative number is not a formula).
 */
export function csvLine(cells: readonly CsvCell[]): string {
  return `${cells.map(csvField).join(',')}\r\n`;
}

function csvField(value: CsvCell): string {
  if (value === null) {
    return '';
  }
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) {
    text = `'${text}`;
  }
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A whole RFC 4180 document: the header, then each row. */
export function formatCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [header, ...rows].map(csvLine).join('');
}
