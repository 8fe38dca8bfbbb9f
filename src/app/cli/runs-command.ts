import { UsageError } from '../../core/errors.js';
import { parseSince } from '../../core/parse-since.js';
import { formatRunsCsv, formatRunsTable } from '../report/format-runs.js';
import { createRunStore } from '../../store/run-store.js';
import { EXIT } from './exit-codes.js';
import { writeJson } from '../report/json-chunks.js';
import { withRedis, type ReadIo } from './read-redis.js';

export interface RunsFlags {
  readonly format: 'table' | 'wide' | 'json' | 'csv';
  /** Absent: 20 (with --since: every run since). */
  readonly limit?: string;
  readonly timeout: string;
  /** From the history: a duration back (`90d`) or a date (`2026-11-01`). */
  readonly since?: string;
}

const MAX_LIMIT = 10_000;
const DEFAULT_LIMIT = '20';

/** `--since`, checked strictly: the error names the value and what is accepted. */
export function sinceOf(text: string, now: Date): Date {
  const since = parseSince(text, now);
  if (since === null) {
    throw new UsageError(
      `--since: expected a duration (36h, 90d, 12w) or a date (2026-11-01), got ${JSON.stringify(text.slice(0, 32))}`,
    );
  }
  return since;
}

/**
 * The recent runs whose records Redis still keeps (a day), newest first; with --since, every run and
 * posting sweep of the history (history.days) since then, each from its full record while it is kept.
 */
export async function runsCommand(flags: RunsFlags, io: ReadIo): Promise<number> {
  const text = flags.limit ?? (flags.since === undefined ? DEFAULT_LIMIT : String(MAX_LIMIT));
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1 || limit > MAX_LIMIT) {
    throw new UsageError(`--limit: expected a number of runs from 1 to ${MAX_LIMIT}, got ${JSON.stringify(text.slice(0, 32))}`);
  }
  const since = flags.since === undefined ? null : sinceOf(flags.since, (io.clock ?? (() => new Date()))());
  const runs = await withRedis(io, flags.timeout, async ({ client, prefix }) => {
    const store = createRunStore(client, prefix);
    return since === null ? store.listRuns(limit) : (await store.listSince(since)).slice(0, limit);
  });
  if (flags.format === 'json') {
    await writeJson(io.stdout, runs);
  } else if (flags.format === 'csv') {
    io.stdout.write(formatRunsCsv(runs));
  } else {
    io.stdout.write(formatRunsTable(runs, flags.format === 'wide'));
  }
  return EXIT.ok;
}
