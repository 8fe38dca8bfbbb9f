import { describe, expect, it } from '@jest/globals';
import { parseCalendarDate, parseDateOrInstant, parseUntil } from '../../src/core/parse-iso-date.js';

describe('parseCalendarDate', () => {
  it.each([
    ['2027-01-31', '2027-01-31T00:00:00.000Z'],
    ['2026-12-31', '2026-12-31T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2026-01-01', '2026-01-01T00:00:00.000Z'],
  ])('reads %s as midnight UTC', (text, iso) => {
    expect(parseCalendarDate(text)?.toISOString()).toBe(iso);
  });

  it.each(['2026-02-30', '2026-02-29', '2026-11-31', '2026-13-01', '2026-00-10', '2026-01-00', '0050-06-01', '2026-1-1', ' 2026-01-01', '2026-01-01 ', '2026-01-01T00:00:00Z', ''])(
    'refuses %p',
    (text) => {
      expect(parseCalendarDate(text)).toBeNull();
    },
  );
});

describe('parseDateOrInstant', () => {
  it('takes a calendar date as a whole day', () => {
    expect(parseDateOrInstant('2027-01-31')).toEqual({ instant: new Date('2027-01-31T00:00:00Z'), dateOnly: true });
  });

  it('takes a timestamp with a zone as an instant', () => {
    expect(parseDateOrInstant('2027-01-31T12:00:00Z')).toEqual({ instant: new Date('2027-01-31T12:00:00Z'), dateOnly: false });
    expect(parseDateOrInstant('2027-01-31T12:00:00+02:00')).toEqual({ instant: new Date('2027-01-31T10:00:00Z'), dateOnly: false });
    expect(parseDateOrInstant('2026-12-31T23:59:59Z')?.instant.toISOString()).toBe('2026-12-31T23:59:59.000Z');
  });

  it.each([
    ['a space instead of T', '2027-01-31 12:00:00Z'],
    ['no zone', '2027-01-31T12:00:00'],
    ['an impossible hour', '2027-01-31T24:00:00Z'],
    ['an impossible date', '2027-02-30T12:00:00Z'],
    ['text before it', 'x2027-01-31T12:00:00Z'],
    ['prose', 'tomorrow'],
    ['an impossible calendar date', '2027-02-30'],
  ])('refuses %s', (_label, text) => {
    expect(parseDateOrInstant(text)).toBeNull();
  });
});

describe('parseUntil', () => {
  it.each([
    ['a calendar date: through that whole day, UTC, so up to the next midnight', '2027-01-31', '2027-02-01T00:00:00.000Z'],
    ['a timestamp: up to that instant exactly', '2027-01-31T12:00:00+02:00', '2027-01-31T10:00:00.000Z'],
  ])('mutes until %s', (_label, text, end) => {
    expect(parseUntil(text)?.toISOString()).toBe(end);
  });

  it('is null for text that is neither', () => {
    expect(parseUntil('next week')).toBeNull();
  });
});
