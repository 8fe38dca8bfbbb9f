import type { RunSummary } from '../../store/run-store.js';
import { formatCsv } from './format-csv.js';
import { describeDelivery } from './format-delivery.js';
import { alignRows } from './format-table.js';
import { TERMINAL_WIDTH } from './fit-columns.js';

const minute = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
const count = (n: number | undefined) => (n === undefined ? '-' : String(n));

const HEADER = ['RUN', 'TRIGGER', 'STARTED', 'FINISHED', 'TOKENS', 'FAILED', 'NEW', 'RESOLVED', 'OPEN', 'SLACK'];
// A reader sees how a run started in its id (manual-…, repeat-…): the default table leaves out TRIGGER and
// FINISHED. The trigger itself is a field of the run's record (`trigger`), never read back out of the id.
const NARROW = HEADER.filter((h) => h !== 'TRIGGER' && h !== 'FINISHED');

/**
 * `wide`: every column whole. Else the table fits 120 columns: TRIGGER and FINISHED are left out, STARTED
 * loses its year (a run is kept a day), and what Slack got is cut.
 */
export function formatRunsTable(runs: readonly RunSummary[], wide = false): string {
  if (runs.length === 0) {
    return 'No runs in Redis (a run is kept a day).\n';
  }
  const rows = runs.map((r) => [
    r.runId,
    r.trigger === 'schedule' ? 'scheduled' : r.trigger,
    wide ? minute(r.startedAt) : `${r.startedAt.slice(5, 10)} ${r.startedAt.slice(11, 19)}`,
    minute(r.finishedAt),
    String(r.summary.tokensAudited),
    String(r.summary.failed),
    count(r.counts?.new),
    count(r.counts?.resolved),
    count(r.counts?.open),
    describeDelivery(r),
  ]);
  if (wide) {
    return `${alignRows(HEADER, rows).join('\n')}\n`;
  }
  const keep = NARROW.map((h) => HEADER.indexOf(h));
  const narrow = rows.map((r) => keep.map((i) => r[i] ?? ''));
  return `${alignRows(NARROW, narrow, { width: TERMINAL_WIDTH, floors: new Map([[NARROW.length - 1, 16]]) }).join('\n')}\n`;
}

export function formatRunsCsv(runs: readonly RunSummary[]): string {
  const header = ['runId', 'trigger', 'startedAt', 'finishedAt', 'tokensAudited', 'failed', 'new', 'resolved', 'open', 'delivery', 'slack'];
  return formatCsv(
    header,
    runs.map((r) => [r.runId, r.trigger, r.startedAt, r.finishedAt, r.summary.tokensAudited, r.summary.failed, r.counts?.new ?? null, r.counts?.resolved ?? null, r.counts?.open ?? null, r.delivery, describeDelivery(r)]),
  );
}
