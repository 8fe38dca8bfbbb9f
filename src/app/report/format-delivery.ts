import type { RunSummary } from '../../store/run-store.js';

const messages = (n: number) => `${n} message${n === 1 ? '' : 's'}`;

/**
 * What Slack got of a run, in one line: `2 messages posted to default, 1 to oncall`, `nothing to post`,
 * `pending to default (Slack answered HTTP 503 …), kept for the next run`.
 */
export function describeDelivery(run: Pick<RunSummary, 'delivery' | 'routes' | 'queued'>): string {
  if (run.queued !== undefined && run.queued > 0 && run.routes.length === 0) {
    // From the history: the run's outcome, not each route's.
    const outcome = run.delivery === 'delivered' ? 'posted' : run.delivery === 'failed' ? 'failed (some refused for good)' : 'pending';
    return `${messages(run.queued)} ${outcome}`;
  }
  if (run.routes.length === 0) {
    return run.delivery === 'nothing-to-send' ? 'nothing to post' : run.delivery;
  }
  const posted = run.routes.filter((r) => r.state === 'delivered');
  const parts: string[] = [];
  posted.forEach((r, i) => parts.push(`${i === 0 ? `${messages(r.messages)} posted` : r.messages} to ${r.route}`));
  const stuck = run.routes.filter((r) => r.state !== 'delivered');
  for (const r of stuck) {
    const progress = r.posted > 0 ? `${r.posted} of ${messages(r.messages)} posted` : null;
    const why = [progress, r.error ?? (r.state === 'pending' ? 'not posted yet' : null)].filter((x) => x !== null).join('; ');
    parts.push(`${r.state} to ${r.route} (${why})`);
  }
  return `${parts.join(', ')}${stuck.length > 0 ? ', kept for the next run' : ''}`;
}
