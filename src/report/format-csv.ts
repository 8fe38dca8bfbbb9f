/**
 * RFC 4180 CSV. Cells come from whoever created the token: one that a spreadsheet would run as a formula
 * (starting `=`, `+`, `-`, `@`, tab or CR) gets a leading `'` (OWASP's advice on CSV injection).
 */
export function formatCsv(header: readonly string[], rows: readonly (readonly (string | number | boolean | null)[])[]): string {
  const field = (value: string | number | boolean | null): string => {
    if (value === null) {
      return '';
    }
    let text = String(value);
    if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) {
      text = `'${text}`;
    }
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [header, ...rows].map((r) => `${r.map(field).join(',')}\r\n`).join('');
}
