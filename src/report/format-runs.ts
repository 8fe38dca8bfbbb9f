import type { RunSummary } from '../store/run-store.js';
import { formatCsv } from './format-csv.js';
import { describeDelivery } from './format-delivery.js';
import { alignRows } from './format-table.js';

const minute = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
const count = (n: number | undefined) => (n === undefined ? '-' : String(n));

export function formatRunsTable(runs: readonly RunSummary[]): string {
  if (runs.length === 0) {
    return 'No runs in Redis (a run is kept a day).\n';
  }
  const header = ['RUN', 'TRIGGER', 'STARTED', 'FINISHED', 'TOKENS', 'FAILED', 'NEW', 'RESOLVED', 'OPEN', 'SLACK'];
  const rows = runs.map((r) => [
    r.runId,
    r.trigger === 'schedule' ? 'scheduled' : r.trigger,
    minute(r.startedAt),
    minute(r.finishedAt),
    String(r.summary.tokensAudited),
    String(r.summary.failed),
    count(r.counts?.new),
    count(r.counts?.resolved),
    count(r.counts?.open),
    describeDelivery(r),
  ]);
  return `${alignRows(header, rows).join('\n')}\n`;
}

export function formatRunsCsv(runs: readonly RunSummary[]): string {
  const header = ['runId', 'trigger', 'startedAt', 'finishedAt', 'tokensAudited', 'failed', 'new', 'resolved', 'open', 'delivery', 'slack'];
  return formatCsv(
    header,
    runs.map((r) => [r.runId, r.trigger, r.startedAt, r.finishedAt, r.summary.tokensAudited, r.summary.failed, r.counts?.new ?? null, r.counts?.resolved ?? null, r.counts?.open ?? null, r.delivery, describeDelivery(r)]),
  );
}
