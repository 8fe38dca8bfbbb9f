/** How a table fits a terminal: its width, and how narrow each column may be cut (none: kept whole). */
export interface Fit {
  readonly width: number;
  /** By column index: the narrowest it is cut to (a cut cell ends in "…"); a column not named is kept whole. */
  readonly floors: ReadonlyMap<number, number>;
}

/** What the default tables fit: a 120-column terminal. */
export const TERMINAL_WIDTH = 120;

/** The last column (the message) keeps at least this much before any other column is cut. */
const LAST_COMFORT = 40;

/**
 * Column widths (each its widest cell) cut down until the row fits `fit.width`, two spaces apart: the last
 * column first (down to 40), then the widest of the other cuttable ones (to their floors), then the last to
 * its floor. Columns without a floor stay whole, so a table of only those can still be wider.
 */
export function fitWidths(natural: readonly number[], fit: Fit): number[] {
  const widths = [...natural];
  const last = widths.length - 1;
  let excess = widths.reduce((a, b) => a + b, 0) + 2 * last - fit.width;
  const floorOf = (i: number) => fit.floors.get(i) ?? (widths[i] ?? 0);
  const cut = (i: number, to: number) => {
    const by = Math.min(excess, Math.max(0, (widths[i] ?? 0) - to));
    widths[i] = (widths[i] ?? 0) - by;
    excess -= by;
  };
  if (excess > 0 && fit.floors.has(last)) {
    cut(last, Math.max(floorOf(last), LAST_COMFORT));
  }
  while (excess > 0) {
    let widest = -1;
    for (let i = 0; i < last; i += 1) {
      if (fit.floors.has(i) && (widths[i] ?? 0) > floorOf(i) && (widest < 0 || (widths[i] ?? 0) > (widths[widest] ?? 0))) {
        widest = i;
      }
    }
    if (widest < 0) {
      break;
    }
    cut(widest, (widths[widest] ?? 0) - 1);
  }
  if (excess > 0 && fit.floors.has(last)) {
    cut(last, floorOf(last));
  }
  return widths;
}

/** `value` in at most `width` characters: cut ones end in "…". */
export function cutTo(value: string, width: number): string {
  const chars = [...value];
  return chars.length > width ? `${chars.slice(0, Math.max(width - 1, 0)).join('')}…` : value;
}
