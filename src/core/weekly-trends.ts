import type { Severity } from './severity.js';
import { oldestOpenAt, openBySeverity, type HistoryEntry } from './run-history.js';

/** One ISO week of the history: where it ended, what moved in it. */
export interface WeekTrend {
  /** `2026-W48`. */
  readonly week: string;
  readonly runs: number;
  /** Open unmuted findings by severity after the week's last run. */
  readonly open: Record<Severity, number>;
  readonly new: number;
  readonly resolved: number;
  /**
   * Median first seen → resolved of the week's resolutions, in seconds (the median of the runs' medians,
   * each counted as often as it resolved findings: the history keeps a median per run, not every age); null when none resolved.
   */
  readonly medianResolveSeconds: number | null;
  /** Age at the week's last run of the oldest open unmuted critical finding, in seconds; null when none. */
  readonly oldestCriticalSeconds: number | null;
}

/** The ISO 8601 week of an instant (UTC): weeks start on Monday; week 1 holds the year's first Thursday. */
export function isoWeek(at: number): string {
  const d = new Date(at);
  const day = (d.getUTCDay() + 6) % 7; // Monday 0
  const thursday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day + 3);
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / 604_800_000) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The median of values each counted `weight` times (the lower middle one); null when the weights sum to 0. */
export function weightedMedian(pairs: readonly (readonly [number, number])[]): number | null {
  const sorted = pairs.filter(([weight]) => weight > 0).sort((x, y) => x[1] - y[1]);
  const total = sorted.reduce((n, [weight]) => n + weight, 0);
  let seen = 0;
  for (const [weight, value] of sorted) {
    seen += weight;
    if (2 * seen >= total) {
      return value;
    }
  }
  return null;
}

/** Per ISO week, oldest first, from the history's entries (any order). Sweeps count their new findings. */
export function weeklyTrends(entries: readonly HistoryEntry[]): WeekTrend[] {
  const byWeek = new Map<string, HistoryEntry[]>();
  for (const e of [...entries].sort((x, y) => x.s - y.s)) {
    const week = isoWeek(e.s);
    const list = byWeek.get(week) ?? [];
    list.push(e);
    byWeek.set(week, list);
  }
  return [...byWeek].map(([week, list]) => {
    const last = list[list.length - 1] as HistoryEntry;
    const critical = oldestOpenAt(last, 'critical');
    return {
      week,
      runs: list.length,
      open: openBySeverity(last),
      new: list.reduce((n, e) => n + e.n, 0),
      resolved: list.reduce((n, e) => n + e.r, 0),
      medianResolveSeconds: weightedMedian(list.map((e) => e.ra)),
      oldestCriticalSeconds: critical === null ? null : Math.max(0, Math.round((last.f - critical) / 1000)),
    };
  });
}
