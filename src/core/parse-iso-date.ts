import { millisecondsInDay } from 'date-fns/constants';
import { parseGcoreDate } from './parse-gcore-date.js';

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date, `2027-01-31`, as midnight UTC; null for an impossible one (`2026-02-30` would roll into March). */
export function parseCalendarDate(text: string): Date | null {
  const m = DATE_ONLY.exec(text);
  if (!m) {
    return null;
  }
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Month 13 rolls into the next year, a year below 100 is read as 19xx, a day past the month's end never keeps its number.
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCDate() !== day) {
    return null;
  }
  return date;
}

/**
 * What an operator writes for an instant (`--now`, a mute's `until`): a calendar date, or a timestamp with
 * seconds and a zone (`2027-01-31T12:00:00Z`, `+02:00`). Null for anything else, impossible dates included.
 */
export function parseDateOrInstant(text: string): { readonly instant: Date; readonly dateOnly: boolean } | null {
  const date = parseCalendarDate(text);
  if (date !== null) {
    return { instant: date, dateOnly: true };
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    return null;
  }
  const instant = parseGcoreDate(text);
  return instant === null ? null : { instant, dateOnly: false };
}

/**
 * The first instant a mute's `until` no longer covers: a date (2027-01-31) mutes through that whole day, UTC;
 * a timestamp, up to that instant. Null when the text is neither.
 */
export function parseUntil(text: string): Date | null {
  const parsed = parseDateOrInstant(text);
  if (parsed === null) {
    return null;
  }
  return parsed.dateOnly ? new Date(parsed.instant.getTime() + millisecondsInDay) : parsed.instant;
}
