import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { SweepOutcome } from '../src/run/sweep-outcome.js';
import { sweepAccounts, type SweepDeps } from '../src/run/sweep-accounts.js';
import type { QueuedJob } from '../src/store/job-catalogue.js';
import type { SentinelStore } from '../src/store/sentinel-store.js';
import { deadlineCheck, deliverOutbox, type ReportJobDeps } from './report-job.js';

/** The sweep lock's life, renewed while a sweep runs: a sweep that dies frees it this long after. */
const SWEEP_LOCK_MS = 60_000;

export interface SweepJobDeps extends Omit<SweepDeps, 'store'> {
  readonly store: Pick<SentinelStore, 'seen' | 'record' | 'commitSweep' | 'delivered' | 'withLock'>;
  /** What deliverOutbox needs: the sweep's messages go out through the routes' outboxes, like a digest. */
  readonly delivery: Omit<ReportJobDeps, 'states' | 'committer' | 'config' | 'logger' | 'clock'>;
  readonly onSweep?: (outcome: SweepOutcome) => void;
  /** Seconds from a posted token's creation to Slack accepting its message. */
  readonly onDetected?: (seconds: number) => void;
  /** The quarantine deadline check (checkQuarantines), after each sweep; how many it deleted (their "Revoked" messages go out now). */
  readonly quarantines?: () => Promise<number>;
}

/** `sweep`: one sentinel sweep at a time across every replica; its messages delivered at once. */
export function makeSweepHandler(deps: SweepJobDeps) {
  return async (job: QueuedJob<'sweep'>) => {
    const sweep = `sweep-${deps.clock().getTime()}-${(job.id ?? 'x').replace(/[^A-Za-z0-9_-]/g, '-').slice(-12)}`;
    const log: Logger = deps.logger.child({ job: 'sweep', sweep });
    let outcome: SweepOutcome = 'ok';
    try {
      const ran = await deps.store.withLock(SWEEP_LOCK_MS, async () => {
        const started = performance.now();
        const result = await sweepAccounts(deps, sweep);
        outcome = result.listFailed > 0 ? 'list_failed' : 'ok';
        // What a sweep costs: its time (lists, reads, evaluation, commit; not the delivery after) and its API
        // calls, one list per account and one get per new token (plus any retries).
        log.info(
          {
            accounts: result.accounts,
            listFailed: result.listFailed,
            seeded: result.seeded,
            newTokens: result.newTokens,
            routes: result.posted.length,
            ms: Math.round(performance.now() - started),
          },
          'sentinel sweep done',
        );
        const revoked = await deadlineCheck(deps, log);
        if (result.posted.length === 0 && revoked === 0) {
          return;
        }
        try {
          await deliverOutbox({ ...deps.delivery, clock: deps.clock, logger: log }, log);
        } catch (error) {
          // Kept in the outboxes: the next run (or sweep that posts) delivers them.
          log.warn({ err: error }, 'sentinel: new-token messages not delivered yet; kept in the outbox');
        }
        const at = deps.clock().getTime();
        for (const p of result.posted) {
          if (await deps.store.delivered(sweep, p.route)) {
            for (const created of p.created) {
              deps.onDetected?.(Math.max(0, (at - Date.parse(created)) / 1000));
            }
          }
        }
      });
      if (!ran) {
        outcome = 'skipped';
        log.info('sentinel: another sweep is running; skipped');
      }
    } catch (error) {
      outcome = 'error';
      throw error;
    } finally {
      deps.onSweep?.(outcome);
    }
    return { sweep, outcome };
  };
}
