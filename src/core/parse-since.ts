import { parseCalendarDate } from './parse-iso-date.js';

const UNIT_MS = { h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION = /^([1-9]\d{0,4})([hdw])$/;

/**
 * `--since`: a duration back from `now` (`36h`, `90d`, `12w`) or a calendar date (`2026-11-01`, midnight
 * UTC). Null for anything else: `90`, `90 d`, `1.5d`, `0d`, `2026-02-30`. The caller names the bad value.
 */
export function parseSince(text: string, now: Date): Date | null {
  const m = DURATION.exec(text);
  if (m) {
    return new Date(now.getTime() - Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]);
  }
  return parseCalendarDate(text);
}
