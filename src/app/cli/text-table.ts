import { alignRows } from '../report/format-table.js';

// Values come from people and from tokens: control characters could move the cursor or recolour a terminal.
// eslint-disable-next-line no-control-regex
const flat = (v: string) => v.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');

/** Rows aligned under their header, two spaces apart (the report tables' layout); the last column is not padded. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return `${alignRows(header, rows.map((r) => r.map(flat))).join('\n')}\n`;
}
