import { UsageError } from '../../core/errors.js';
import { describeDelivery } from '../report/format-delivery.js';
import { formatTable } from '../report/format-table.js';
import { createRunStore, type RunRecord } from '../../store/run-store.js';
import { EXIT } from './exit-codes.js';
import { writeJson, type JsonOut } from '../report/json-chunks.js';
import { withRedis, type ReadIo } from './read-redis.js';
import { toOutput } from './output-file.js';
import { formatFindingsCsv } from '../../core/finding-csv.js';

export interface ReportFlags {
  readonly format: 'table' | 'wide' | 'json' | 'csv';
  readonly timeout: string;
  /** Write the report here (atomically) instead of stdout. */
  readonly output?: string;
}

/** One run's report as `audit` prints it, and what Slack got of it. */
export async function reportCommand(runId: string, flags: ReportFlags, io: ReadIo): Promise<number> {
  const record = await withRedis(io, flags.timeout, async ({ client, prefix }): Promise<RunRecord | null> => {
    const store = createRunStore(client, prefix);
    const run = runId === 'last' ? await store.lastRun() : runId;
    return run === null ? null : store.getRun(run);
  });
  if (record === null) {
    const what = runId === 'last' ? 'no run in Redis' : `no run ${JSON.stringify(runId.slice(0, 128))} in Redis`;
    throw new UsageError(`${what} (a run's report is kept a day; \`gcore-token-audit runs\` lists them)`);
  }
  await toOutput(flags.output, io.stdout, async (out) => {
    if (flags.format === 'csv') {
      out.write(formatFindingsCsv(record.report.findings));
    } else {
      await printReport(out, record, flags.format);
    }
  });
  if (flags.format === 'json' || flags.format === 'csv') {
    io.stderr.write(`${slackLine(record)}\n`);
  }
  return EXIT.ok;
}

/** `gcore-token-audit: Slack: 2 messages posted to default, 1 to oncall`: what `trigger --wait` ends with. */
export const slackLine = (record: Pick<RunRecord, 'delivery' | 'routes'>) => `gcore-token-audit: Slack: ${describeDelivery(record)}`;

/** The report as `audit --format json|table` prints it; the table ends with what Slack got. */
export async function printReport(out: JsonOut, record: RunRecord, format: 'table' | 'wide' | 'json'): Promise<void> {
  if (format === 'json') {
    await writeJson(out, record.report);
    return;
  }
  const trigger = record.trigger === 'schedule' ? 'scheduled' : record.trigger;
  // The run's counts as committed (countChanges): the numbers its Slack header, `runs` and /metrics give.
  const c = record.counts;
  const counts = c === null ? '' : ` · ${c.new} new · ${c.resolved} resolved · ${c.open} open`;
  out.write(`${formatTable(record.report, { wide: format === 'wide' })}run ${record.runId} (${trigger})${counts} · Slack: ${describeDelivery(record)}
`);
}
