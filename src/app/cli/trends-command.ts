import { weeklyTrends } from '../../core/weekly-trends.js';
import { formatTrendsCsv, formatTrendsTable } from '../report/format-trends.js';
import { writeJson } from '../report/json-chunks.js';
import { createHistoryStore } from '../../store/history-store.js';
import { EXIT } from './exit-codes.js';
import { withRedis, type ReadIo } from './read-redis.js';
import { sinceOf } from './runs-command.js';

export interface TrendsFlags {
  readonly format: 'table' | 'json' | 'csv';
  /** Absent: the whole history (history.days). */
  readonly since?: string;
  readonly timeout: string;
}

/** Per ISO week of the history: open by severity, new, resolved, median time to resolve, oldest open critical. */
export async function trendsCommand(flags: TrendsFlags, io: ReadIo): Promise<number> {
  const since = flags.since === undefined ? 0 : sinceOf(flags.since, (io.clock ?? (() => new Date()))()).getTime();
  const entries = await withRedis(io, flags.timeout, ({ client, prefix }) => createHistoryStore(client, prefix).since(since));
  const weeks = weeklyTrends(entries);
  if (flags.format === 'json') {
    await writeJson(io.stdout, weeks);
  } else if (flags.format === 'csv') {
    io.stdout.write(formatTrendsCsv(weeks));
  } else {
    io.stdout.write(formatTrendsTable(weeks));
  }
  return EXIT.ok;
}
