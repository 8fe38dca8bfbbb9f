import { describe, expect, it } from '@jest/globals';
import { cronProblem, scheduleGapMs } from '../../src/core/schedule-gap.js';

const HOUR = 3_600_000;

describe('scheduleGapMs', () => {
  it('is the interval of a regular schedule', () => {
    expect(scheduleGapMs('0 * * * *', 'UTC', new Date('2026-11-29T12:30:00Z'))).toBe(HOUR);
    expect(scheduleGapMs('*/15 * * * *', 'UTC', new Date('2026-11-29T12:30:00Z'))).toBe(HOUR / 4);
  });

  it('is the weekend for a weekday-only schedule, when the span reaches it', () => {
    const wednesday = new Date('2026-11-25T12:00:00Z');
    expect(scheduleGapMs('0 9 * * 1-5', 'UTC', wednesday)).toBe(72 * HOUR);
    // Thursday 09:00 to Friday 09:00 only: the weekend is out of a span of one.
    expect(scheduleGapMs('0 9 * * 1-5', 'UTC', wednesday, 1)).toBe(24 * HOUR);
    // Thursday, Friday, Monday: a span of two reaches Monday.
    expect(scheduleGapMs('0 9 * * 1-5', 'UTC', wednesday, 2)).toBe(72 * HOUR);
  });

  it('reads the schedule in its time zone: a daily run waits 25 h over the end of summer time', () => {
    const from = new Date('2026-10-20T00:00:00Z');
    expect(scheduleGapMs('0 9 * * *', 'Europe/Berlin', from)).toBe(25 * HOUR);
    expect(scheduleGapMs('0 9 * * *', 'UTC', from)).toBe(24 * HOUR);
  });
});

describe('cronProblem', () => {
  it('is null for a valid pattern and the parser\'s reason for an invalid one', () => {
    expect(cronProblem('0 9 * * 1-5')).toBeNull();
    expect(cronProblem('61 * * * *')).toEqual(expect.stringMatching(/\S/));
  });
});
