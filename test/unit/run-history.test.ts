import { describe, expect, it } from '@jest/globals';
import { historyEntry, median, oldestOpenAt, openBySeverity, parseHistoryEntry, type HistoryInput } from '../../src/core/run-history.js';
import { oldestOpenBySeverity, resolvedAges } from '../../src/core/finding-ages.js';
import { RULE_IDS } from '../../src/core/rule-catalog.js';
import { SEVERITIES, type Severity } from '../../src/core/severity.js';

const input = (overrides: Partial<HistoryInput> = {}): HistoryInput => ({
  runId: 'repeat-audit-run-1764417600000',
  trigger: 'schedule',
  startedAt: '2026-11-29T12:00:00.000Z',
  finishedAt: '2026-11-29T12:04:00.000Z',
  summary: { accounts: 3, tokensAudited: 120, findings: 9, bySeverity: { info: 0, low: 1, medium: 5, high: 2, critical: 1 }, muted: 1, failed: 2 },
  counts: { new: 2, resolved: 1, open: 8 },
  openCounts: new Map([
    ['stale|medium', 5],
    ['never-expiring-admin|critical', 1],
    ['never-expiring|high', 2],
  ]),
  resolvedAges: [3_600, 86_400, 7_200],
  oldestOpen: new Map<Severity, number>([['critical', Date.parse('2026-11-01T00:00:00Z')]]),
  messages: 3,
  ...overrides,
});

describe('historyEntry', () => {
  it('keeps the counts by rule and severity, the run’s moves, the median time to resolve and the oldest open', () => {
    const e = historyEntry(input());
    expect(e).toMatchObject({ id: 'repeat-audit-run-1764417600000', tr: 's', n: 2, r: 1, o: 8, fa: 2, t: 120, sl: 3, ra: [3, 7_200] });
    expect(e.c).toEqual({ stale: 'm5', 'never-expiring-admin': 'c1', 'never-expiring': 'h2' });
    expect(openBySeverity(e)).toEqual({ info: 0, low: 0, medium: 5, high: 2, critical: 1 });
    expect(oldestOpenAt(e, 'critical')).toBe(Date.parse('2026-11-01T00:00:00Z'));
    expect(oldestOpenAt(e, 'high')).toBeNull();
    expect(parseHistoryEntry(JSON.stringify(e))).toEqual(e);
  });

  it('stays under a kilobyte at 10,000 open findings over every rule and severity', () => {
    const openCounts = new Map<string, number>();
    let left = 10_000;
    const cells = RULE_IDS.flatMap((rule) => SEVERITIES.map((severity) => `${rule}|${severity}`));
    cells.forEach((cell, i) => {
      const n = i === cells.length - 1 ? left : Math.floor(10_000 / cells.length);
      openCounts.set(cell, n);
      left -= n;
    });
    const e = historyEntry(
      input({
        runId: `repeat-audit-run-${'9'.repeat(13)}`,
        summary: { accounts: 500, tokensAudited: 80_000, findings: 10_000, bySeverity: { info: 2000, low: 2000, medium: 2000, high: 2000, critical: 2000 }, muted: 9_999, failed: 9_999 },
        counts: { new: 10_000, resolved: 10_000, open: 10_000 },
        openCounts,
        resolvedAges: Array.from({ length: 10_000 }, (_, i) => i * 3_600),
        oldestOpen: new Map(SEVERITIES.map((s) => [s, Date.parse('2026-01-01T00:00:00Z')])),
        messages: 10_000,
      }),
    );
    expect(openBySeverity(e)).toEqual(Object.fromEntries(SEVERITIES.map((s) => [s, expect.any(Number)])));
    expect(Object.values(openBySeverity(e)).reduce((x, y) => x + y, 0)).toBe(10_000);
    expect(Buffer.byteLength(JSON.stringify(e))).toBeLessThan(1024);
    // Room for more rules: 20 rules of 20-character names, each at two severities (as the rules hit).
    const more = new Map(Array.from({ length: 40 }, (_, i) => [`rule-${String(Math.floor(i / 2)).padStart(15, '0')}|${SEVERITIES[i % 2 === 0 ? 2 : 4] ?? ''}`, 200]));
    expect(Buffer.byteLength(JSON.stringify({ ...e, c: historyEntry(input({ openCounts: more })).c }))).toBeLessThan(1024);
  });

  it('a damaged or unknown entry reads as null (skipped), never as made-up numbers', () => {
    const good = historyEntry(input());
    expect(parseHistoryEntry('not json')).toBeNull();
    expect(parseHistoryEntry(JSON.stringify({ ...good, v: 2 }))).toBeNull();
    expect(parseHistoryEntry(JSON.stringify({ ...good, o: -1 }))).toBeNull();
    expect(parseHistoryEntry(JSON.stringify({ ...good, c: { stale: 'm5x' } }))).toBeNull();
    expect(parseHistoryEntry(JSON.stringify({ ...good, bs: [1, 2] }))).toBeNull();
  });

  it('median: the lower middle of an even count, 0 of none', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2);
    expect(median([])).toBe(0);
  });
});

const state = (id: string, severity: Severity, firstSeen: string, muted = false) => ({ finding: { id, severity, muted }, firstSeen });

describe('finding ages', () => {
  it('the oldest open unmuted first seen by severity', () => {
    const got = oldestOpenBySeverity([
      state('a', 'critical', '2026-11-10T00:00:00Z'),
      state('b', 'critical', '2026-11-02T00:00:00Z'),
      state('c', 'critical', '2026-10-01T00:00:00Z', true),
      state('d', 'low', '2026-11-20T00:00:00Z'),
    ]);
    expect(got).toEqual(new Map([['critical', Date.parse('2026-11-02T00:00:00Z')], ['low', Date.parse('2026-11-20T00:00:00Z')]]));
  });

  it('resolved ages count each resolved finding once (its earliest route), not a finding that moved route', () => {
    const previous = new Map([
      ['default/a', state('a', 'high', '2026-11-27T12:00:00Z')],
      ['team/a', state('a', 'high', '2026-11-28T12:00:00Z')],
      ['default/b', state('b', 'high', '2026-11-01T00:00:00Z')],
    ]);
    const now = new Date('2026-11-29T12:00:00Z');
    expect(resolvedAges(previous, ['default/a', 'team/a', 'default/b'], [state('b', 'high', '2026-11-01T00:00:00Z')], now)).toEqual([2 * 86_400]);
  });
});
