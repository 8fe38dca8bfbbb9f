import { describe, expect, it } from '@jest/globals';
import { parseGcoreDate } from '../../src/core/parse-gcore-date.js';

describe('parseGcoreDate', () => {
  it('reads the current format with microseconds and Z', () => {
    expect(parseGcoreDate('2021-01-01T12:00:00.000000Z')?.toISOString()).toBe('2021-01-01T12:00:00.000Z');
  });

  it('reads the older format with a space and an offset', () => {
    expect(parseGcoreDate('2021-01-01 12:00:00+00:00')?.toISOString()).toBe('2021-01-01T12:00:00.000Z');
  });

  it('applies non-UTC offsets', () => {
    expect(parseGcoreDate('2021-01-01 12:00:00+02:30')?.toISOString()).toBe('2021-01-01T09:30:00.000Z');
    expect(parseGcoreDate('2021-01-01T12:00:00.5-0100')?.toISOString()).toBe('2021-01-01T13:00:00.500Z');
  });

  it.each([
    ['the last minute of a day', '2026-11-29T23:59:59.999999Z', '2026-11-29T23:59:59.999Z'],
    ['the last minute of the year', '2026-12-31 23:59:00+00:00', '2026-12-31T23:59:00.000Z'],
    ['a December date', '2025-12-15T08:00:00Z', '2025-12-15T08:00:00.000Z'],
    ['midnight', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00.000Z'],
    ['the largest positive offset', '2026-06-01T23:59:00+23:59', '2026-06-01T00:00:00.000Z'],
    ['the largest negative offset', '2026-06-01T00:00:00-23:59', '2026-06-01T23:59:00.000Z'],
    ['a leap day', '2024-02-29T12:00:00Z', '2024-02-29T12:00:00.000Z'],
    ['lowercase t and z (RFC 3339)', '2021-01-01t12:00:00.25z', '2021-01-01T12:00:00.250Z'],
    ['more than 9 fraction digits', '2021-01-01T12:00:00.123456789012Z', '2021-01-01T12:00:00.123Z'],
    ['a fraction that floats badly', '2021-01-01T12:00:00.289Z', '2021-01-01T12:00:00.289Z'],
    ['a leap second', '2016-12-31T23:59:60Z', '2017-01-01T00:00:00.000Z'],
  ])('accepts %s', (_label, text, iso) => {
    expect(parseGcoreDate(text)?.toISOString()).toBe(iso);
  });

  it.each([
    ['impossible 30 February', '2026-02-30T12:00:00Z'],
    ['29 February of a common year', '2026-02-29T12:00:00Z'],
    ['31 November', '2026-11-31T12:00:00Z'],
    ['month 13', '2026-13-01T12:00:00Z'],
    ['month 0', '2026-00-10T12:00:00Z'],
    ['month 13 on the 31st', '2026-13-31T12:00:00Z'],
    ['day 0', '2026-03-00T12:00:00Z'],
    ['a year below 100 (Date.UTC would read it as 19xx)', '0050-06-01T12:00:00Z'],
    ['minute 60', '2026-01-01T12:60:00Z'],
    ['second 61', '2026-01-01T12:00:61Z'],
    ['an offset of 24 hours', '2026-01-01T12:00:00+24:00'],
    ['an offset minute of 60', '2026-01-01T12:00:00+01:60'],
    ['no zone', '2021-01-01T12:00:00'],
    ['date only', '2021-01-01'],
    ['prose', 'March 7, 2021'],
    ['impossible day', '2021-02-30T12:00:00Z'],
    ['impossible hour', '2021-01-01T24:00:00Z'],
    ['empty', ''],
    ['trailing junk', '2021-01-01T12:00:00Zjunk'],
  ])('rejects %s', (_label, text) => {
    expect(parseGcoreDate(text)).toBeNull();
  });
});
