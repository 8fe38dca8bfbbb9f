// Values come from people and from tokens: control characters could move the cursor or recolour a terminal.
// eslint-disable-next-line no-control-regex
const flat = (v: string) => v.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');

/** Rows aligned under their header, two spaces apart; the last column is not padded. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const clean = rows.map((r) => r.map(flat));
  const widths = header.map((h, i) => clean.reduce((w, r) => Math.max(w, [...(r[i] ?? '')].length), [...h].length));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - [...c].length)))
      .join('  ')
      .trimEnd();
  return `${[header, ...clean].map(line).join('\n')}\n`;
}
