import { UsageError } from '../core/errors.js';
import { formatRunsCsv, formatRunsTable } from '../report/format-runs.js';
import { createRunStore } from '../store/run-store.js';
import { EXIT } from './exit-codes.js';
import { writeJson } from '../report/json-chunks.js';
import { withRedis, type ReadIo } from './read-redis.js';

export interface RunsFlags {
  readonly format: 'table' | 'wide' | 'json' | 'csv';
  readonly limit: string;
  readonly timeout: string;
}

const MAX_LIMIT = 10_000;

/** The recent runs whose records Redis still keeps (a day), newest first. */
export async function runsCommand(flags: RunsFlags, io: ReadIo): Promise<number> {
  const limit = Number(flags.limit);
  if (!/^\d+$/.test(flags.limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new UsageError(`--limit: expected a number of runs from 1 to ${MAX_LIMIT}, got ${JSON.stringify(flags.limit.slice(0, 32))}`);
  }
  const runs = await withRedis(io, flags.timeout, ({ client, prefix }) => createRunStore(client, prefix).listRuns(limit));
  if (flags.format === 'json') {
    await writeJson(io.stdout, runs);
  } else if (flags.format === 'csv') {
    io.stdout.write(formatRunsCsv(runs));
  } else {
    io.stdout.write(formatRunsTable(runs, flags.format === 'wide'));
  }
  return EXIT.ok;
}
