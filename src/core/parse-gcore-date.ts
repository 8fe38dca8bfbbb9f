// Gcore sends `2021-01-01T12:00:00.000000Z` (current docs) and `2021-01-01 12:00:00+00:00` (older pages);
// any RFC 3339 timestamp with a zone is taken too (lowercase t and z, any number of fraction digits).
// Date.parse would also take "March 7" or a zone-less local time, so the accepted shape is spelled out.
const GCORE_DATE =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,64}))?([Zz]|[+-]\d{2}:?\d{2})$/;

/** Parses a Gcore timestamp; returns null when the text is not one (wrong shape or impossible date). */
export function parseGcoreDate(text: string): Date | null {
  const m = GCORE_DATE.exec(text);
  if (!m) {
    return null;
  }
  const [, y, mo, d, h, mi, s, frac = ''] = m;
  // Stryker disable next-line StringLiteral,MethodExpression: the zone group is not optional (the default only satisfies the type checker); a 'z' left lowercase is read below as an offset of +0
  const zone = (m[8] ?? 'Z').toUpperCase();
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  // RFC 3339 allows a leap second (:60); Date.UTC carries it into the next minute. A month out of range is
  // refused below, with impossible days.
  if (hour > 23 || minute > 59 || second > 60) {
    return null;
  }
  const ms = Number(frac.slice(0, 3).padEnd(3, '0'));
  let offsetMinutes = 0;
  // Stryker disable next-line StringLiteral: 'Z' read as an offset is +0 minutes, the same instant
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2));
    if (oh > 23 || om > 59) {
      return null;
    }
    offsetMinutes = sign * (oh * 60 + om);
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 2021-02-30 over to March and month 13 into the next year, and reads years below 100 as
  // 19xx: reject instead of guessing. A day rolled over never keeps its number; a month rolled over changes the year.
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCDate() !== day) {
    return null;
  }
  return new Date(utc - offsetMinutes * 60_000);
}
