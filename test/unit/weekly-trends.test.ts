import { describe, expect, it } from '@jest/globals';
import { historyEntry, type HistoryEntry } from '../../src/core/run-history.js';
import { isoWeek, weeklyTrends, weightedMedian } from '../../src/core/weekly-trends.js';
import { parseSince } from '../../src/core/parse-since.js';
import { formatAge, formatTrendsCsv, formatTrendsTable } from '../../src/app/report/format-trends.js';
import type { Severity } from '../../src/core/severity.js';

const DAY = 86_400_000;

function entry(day: string, open: number, over: { n?: number; r?: number; ages?: number[]; critical?: string } = {}): HistoryEntry {
  return historyEntry({
    runId: `run-${day}`,
    trigger: 'schedule',
    startedAt: `${day}T12:00:00.000Z`,
    finishedAt: `${day}T12:00:00.000Z`,
    summary: { accounts: 1, tokensAudited: open, findings: open, bySeverity: { info: 0, low: 0, medium: 0, high: 0, critical: open }, muted: 0, failed: 0 },
    counts: { new: over.n ?? 0, resolved: over.r ?? 0, open },
    openCounts: new Map([['never-expiring-admin|critical', open]]),
    resolvedAges: over.ages ?? [],
    oldestOpen: new Map<Severity, number>(over.critical ? [['critical', Date.parse(over.critical)]] : []),
    messages: 0,
  });
}

describe('isoWeek', () => {
  it('follows ISO 8601 at the year edges (Monday weeks, week 1 holds the first Thursday)', () => {
    expect(isoWeek(Date.parse('2026-11-30T00:00:00Z'))).toBe('2026-W49'); // a Monday
    expect(isoWeek(Date.parse('2026-11-29T23:59:59Z'))).toBe('2026-W48'); // the Sunday before
    expect(isoWeek(Date.parse('2021-01-03T12:00:00Z'))).toBe('2020-W53');
    expect(isoWeek(Date.parse('2024-12-30T12:00:00Z'))).toBe('2025-W01');
    expect(isoWeek(Date.parse('2026-01-01T12:00:00Z'))).toBe('2026-W01');
  });
});

describe('weeklyTrends', () => {
  it('per week, oldest first: open after its last run, new and resolved summed, the oldest critical’s age then', () => {
    const weeks = weeklyTrends([
      entry('2026-11-30', 8, { r: 2, ages: [DAY / 1000], critical: '2026-11-20T12:00:00Z' }),
      entry('2026-11-23', 10, { n: 10, critical: '2026-11-20T12:00:00Z' }),
      entry('2026-12-02', 6, { r: 2, ages: [3 * 86_400, 5 * 86_400], critical: '2026-11-25T12:00:00Z' }),
    ]);
    expect(weeks.map((w) => [w.week, w.runs, w.open.critical, w.new, w.resolved])).toEqual([
      ['2026-W48', 1, 10, 10, 0],
      ['2026-W49', 2, 6, 0, 4],
    ]);
    expect(weeks[0]?.medianResolveSeconds).toBeNull();
    expect(weeks[0]?.oldestCriticalSeconds).toBe(3 * 86_400);
    expect(weeks[1]?.oldestCriticalSeconds).toBe(7 * 86_400);
    // Runs' medians 1 day (of 1) and 5 days (the run's median of 2): weighted 1 and 2.
    expect(weeks[1]?.medianResolveSeconds).toBe(3 * 86_400);
    expect(formatTrendsTable(weeks)).toMatch(/^2026-W49 +2 +6 +0 +0 +0 +0 +0 +4 +3d 0h +7d 0h$/m);
    expect(formatTrendsCsv(weeks).split('\r\n')[2]).toBe(`2026-W49,2,6,0,0,0,0,0,4,${3 * 86_400},${7 * 86_400}`);
  });

  it('weightedMedian counts each value as often as its weight', () => {
    expect(weightedMedian([[1, 10], [3, 2], [1, 50]])).toBe(2);
    expect(weightedMedian([[0, 10]])).toBeNull();
    expect(formatAge(null)).toBe('-');
    expect(formatAge(59)).toBe('59s');
    expect(formatAge(3_700)).toBe('1h 1m');
  });
});

describe('parseSince', () => {
  const now = new Date('2026-12-05T00:00:00Z');
  it('takes a duration back from now, or a calendar date', () => {
    expect(parseSince('90d', now)?.toISOString()).toBe('2026-09-06T00:00:00.000Z');
    expect(parseSince('36h', now)?.toISOString()).toBe('2026-12-03T12:00:00.000Z');
    expect(parseSince('2w', now)?.toISOString()).toBe('2026-11-21T00:00:00.000Z');
    expect(parseSince('2026-11-01', now)?.toISOString()).toBe('2026-11-01T00:00:00.000Z');
  });
  it('refuses anything else', () => {
    for (const bad of ['90', '90 d', '1.5d', '0d', '-3d', '90D', '2026-02-30', '2026-11-01T00:00:00Z', '', '999999d']) {
      expect([bad, parseSince(bad, now)]).toEqual([bad, null]);
    }
  });
});
