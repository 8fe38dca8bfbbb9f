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
