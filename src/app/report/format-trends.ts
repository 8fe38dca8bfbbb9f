import type { WeekTrend } from '../../core/weekly-trends.js';
import { formatCsv } from './format-csv.js';
import { alignRows } from './format-table.js';

/** A duration as people read it: `3d 4h`, `5h 12m`, `40s`; `-` for none. */
export function formatAge(seconds: number | null): string {
  if (seconds === null) {
    return '-';
  }
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  if (d > 0) {
    return `${d}d ${h}h`;
  }
  if (h > 0) {
    return `${h}h ${m}m`;
  }
  return m > 0 ? `${m}m` : `${seconds}s`;
}

const HEADER = ['WEEK', 'RUNS', 'CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO', 'NEW', 'RESOLVED', 'MEDIAN TO RESOLVE', 'OLDEST CRITICAL'];

/** One line per ISO week, oldest first: open by severity after the week's last run, what moved in it. */
export function formatTrendsTable(weeks: readonly WeekTrend[]): string {
  if (weeks.length === 0) {
    return 'No runs in the history for that period.\n';
  }
  const rows = weeks.map((w) => [
    w.week,
    String(w.runs),
    String(w.open.critical),
    String(w.open.high),
    String(w.open.medium),
    String(w.open.low),
    String(w.open.info),
    String(w.new),
    String(w.resolved),
    formatAge(w.medianResolveSeconds),
    formatAge(w.oldestCriticalSeconds),
  ]);
  return `${alignRows(HEADER, rows).join('\n')}\n`;
}

export function formatTrendsCsv(weeks: readonly WeekTrend[]): string {
  const header = ['week', 'runs', 'openCritical', 'openHigh', 'openMedium', 'openLow', 'openInfo', 'new', 'resolved', 'medianResolveSeconds', 'oldestCriticalSeconds'];
  return formatCsv(
    header,
    weeks.map((w) => [w.week, w.runs, w.open.critical, w.open.high, w.open.medium, w.open.low, w.open.info, w.new, w.resolved, w.medianResolveSeconds, w.oldestCriticalSeconds]),
  );
}
