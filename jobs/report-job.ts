import type { Logger } from 'pino';
import { buildReport, type TokenResult } from '../src/core/report.js';
import { coverageGaps } from '../src/core/coverage.js';
import { SlackDeferredError, SlackRejectedError, SlackUnavailableError, StateConflictError } from '../src/core/errors.js';
import type { Config } from '../src/config/config.js';
import { planAlerts } from '../src/alerts/plan-alerts.js';
import type { AlertStateStore } from '../src/store/alert-state-store.js';
import { openCountsOf, type RunCommitter } from '../src/store/commit-run.js';
import type { OutboxStore } from '../src/store/outbox-store.js';
import type { RunStore } from '../src/store/run-store.js';
import { failedResult } from '../src/pipeline/audit-token.js';
import { parseTokenJobId, type ParentJob } from '../src/queue/job-catalogue.js';
import { routeDigests } from '../src/slack/digest-messages.js';
import { countChanges } from '../src/alerts/count-changes.js';
import type { SlackNotifier } from '../src/slack/slack-notifier.js';
import type { TokenRef } from '../src/pipeline/token-ref.js';
import { muteChanges, toMute, type MuteStore } from '../src/store/mute-store.js';
import { muteNotes } from '../src/alerts/mute-notes.js';

/** Commits refused because another run committed first, before the job gives up (and is retried). */
const MAX_COMMIT_TRIES = 5;
/** An outbox claim's life; renewed every third of it while its holder delivers. */
const OUTBOX_CLAIM_MS = 30_000;

export interface ReportJobDeps {
  readonly config: Config;
  readonly states: Pick<AlertStateStore, 'load' | 'gapKeys'>;
  /** Run-time mutes (`mute add`): applied with the configuration's, their changes told once in the digests. */
  readonly mutes?: Pick<MuteStore, 'list' | 'events'>;
  readonly runs: RunStore;
  readonly outbox: OutboxStore;
  readonly committer: RunCommitter;
  /** The notifier of each route, by route name (DEFAULT_ROUTE: SLACK_WEBHOOK_URL). */
  readonly notifiers: ReadonlyMap<string, SlackNotifier>;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** Text that came from outside (a job's failure reason) made safe to log. */
  readonly redact: (text: string) => string;
  /** Aborted when the worker stops: a delivery in progress ends and releases its claim. */
  readonly signal?: AbortSignal;
  readonly outboxClaimMs?: number;
  /** Thrown when another replica is delivering the outbox: the job is retried later. */
  readonly busy: () => Error;
  /** Thrown for a digest Slack refused for good: the job fails without retries, the digest stays queued. */
  readonly permanent: (error: Error) => Error;
  readonly onCommitted?: (results: readonly TokenResult[]) => void;
  readonly onSlackFailure?: (kind: 'rejected' | 'unavailable') => void;
}

/** Enough of a ref to report a token whose job failed for good: its ids, from the job key. */
function refFor(key: string): TokenRef | null {
  const ids = parseTokenJobId(key);
  if (!ids) {
    return null;
  }
  return {
    ...ids,
    apiKeyEnv: '',
    owner: null,
    listedName: null,
    inInventory: false,
    inventoryDeclared: false,
    failure: null,
  };
}

/**
 * `report`: once every token job has finished, build the run's report, plan alerts against the state in
 * Redis, and commit both with the digest atomically; then deliver every pending digest in order.
 * A retried report job finds its run committed and only delivers. A commit refused because another run
 * committed since the states were read re-reads them and plans again, so a change is posted once.
 */
export function makeReportHandler(deps: ReportJobDeps) {
  return async (job: ParentJob) => {
    const { runKey } = job.data;
    const log = deps.logger.child({ job: 'report', runKey });
    if (!(await deps.runs.isCommitted(runKey))) {
      const values = await job.getChildrenValues<TokenResult>();
      const failures = await job.getIgnoredChildrenFailures();
      const results: TokenResult[] = Object.values(values);
      for (const [key, reason] of Object.entries(failures)) {
        const ref = refFor(key);
        if (ref) {
          log.error({ key }, `token job failed for good: ${deps.redact(reason).slice(0, 200)}`);
          results.push(failedResult(ref, 'its audit job failed repeatedly (see the logs)'));
        }
      }
      const now = deps.clock();
      const evaluatedAt = new Date(job.data.evaluatedAt);
      // Read at every run: a mute added or removed applies from the next run of every replica, no restart.
      const redisMutes = deps.mutes ? (await deps.mutes.list()).map(toMute) : [];
      const report = buildReport({
        runId: runKey,
        startedAt: new Date(job.data.startedAt),
        finishedAt: now,
        now: evaluatedAt,
        accounts: job.data.accounts,
        results,
        mutes: [...deps.config.mutes, ...redisMutes],
      });
      const gaps = coverageGaps(job.data.accounts, results).map((g) => g.key);
      const settings = deps.config.notify.slack;
      for (let attempt = 1; ; attempt += 1) {
        const { states, version } = await deps.states.load();
        // Read after the version: a commit that is not refused consumes exactly these (commit-run.lua).
        const told = await muteChanges(deps.mutes, evaluatedAt);
        const plan = planAlerts(states, report.findings, { results }, {
          now,
          minSeverity: settings.minSeverity,
          renotifyAfterHours: settings.renotifyAfterHours,
          routes: settings.routes,
        });
        const trigger = runKey.startsWith('manual-') ? 'manual' : 'schedule';
        const digests = routeDigests(plan, {
          stateless: false,
          runId: runKey,
          trigger,
          now,
          settings,
          notes: muteNotes(told.changes),
          listing: 'findings',
        });
        try {
          const outcome = await deps.committer.commitRun({
            run: runKey,
            trigger,
            counts: countChanges(states.values(), plan.open),
            version,
            upserts: plan.upserts,
            resolvedIds: plan.resolvedKeys,
            report,
            digests,
            openCounts: openCountsOf(plan.open),
            gapKeys: gaps,
            now,
            mutes: { events: told.events, lapsed: told.lapsed },
          });
          if (outcome === 'committed') {
            deps.onCommitted?.(results);
            log.info(
              { summary: report.summary, routes: digests.map((d) => ({ route: d.route, messages: d.messages.length })) },
              'run committed',
            );
          }
          break;
        } catch (error) {
          if (!(error instanceof StateConflictError) || attempt >= MAX_COMMIT_TRIES) {
            throw error;
          }
          log.info({ attempt }, 'another run committed first: planning again from its state');
        }
      }
    }
    let busy = false;
    try {
      busy = !(await deliverPending(deps, log));
    } finally {
      // Busy: another replica holds a route's claim and may be posting this run's digest at this moment.
      // Announcing now would have `trigger --wait` read the run as pending and exit 4; the job's retry
      // announces once the outbox was its own to deliver.
      if (!busy) {
        await deps.runs.announceDone(runKey);
      }
    }
    if (busy) {
      throw deps.busy();
    }
    return { runKey };
  };
}

/** Delivers every route's pending digests, oldest first, each route under its own claim; `deps.busy()` when a claim was held. */
export async function deliverOutbox(deps: Omit<ReportJobDeps, 'states' | 'committer' | 'config'>, log: Logger): Promise<void> {
  if (!(await deliverPending(deps, log))) {
    throw deps.busy();
  }
}

/** As deliverOutbox; false when another replica held a route's claim (its digests are left to it). */
async function deliverPending(deps: Omit<ReportJobDeps, 'states' | 'committer' | 'config'>, log: Logger): Promise<boolean> {
  let busy = false;
  for (const [route, notifier] of deps.notifiers) {
    const held = await deps.outbox.withClaim(route, deps.outboxClaimMs ?? OUTBOX_CLAIM_MS, async (claim) => {
      for (const digest of await deps.outbox.pendingDigests(route)) {
        const rest = digest.messages.slice(digest.delivered);
        try {
          await notifier.send(rest, (i) => deps.outbox.markDelivered(digest.runKey, route, digest.delivered + i), {
            beforePost: () => claim.assertHeld(),
            signal: deps.signal,
          });
        } catch (error) {
          if (error instanceof SlackDeferredError) {
            deps.onSlackFailure?.('unavailable');
            await deps.runs.setDelivery(digest.runKey, 'pending', { name: route, reason: deps.redact(error.message).slice(0, 200) });
            log.warn({ run: digest.runKey, route }, `digest not delivered yet, kept for the next run: ${error.message}`);
            return;
          }
          if (error instanceof SlackRejectedError) {
            await deps.runs.setDelivery(digest.runKey, 'failed', { name: route, reason: deps.redact(error.message).slice(0, 200) });
            deps.onSlackFailure?.('rejected');
            log.error({ err: error, run: digest.runKey, route }, `Slack refused the digest; it is kept and retried with the next run: ${error.message}`);
            throw deps.permanent(error);
          }
          if (error instanceof SlackUnavailableError) {
            await deps.runs.setDelivery(digest.runKey, 'failed', { name: route, reason: deps.redact(error.message).slice(0, 200) });
            deps.onSlackFailure?.('unavailable');
            log.warn({ run: digest.runKey, route }, `digest not delivered yet, kept in Redis: ${error.message}`);
          }
          throw error;
        }
        await deps.outbox.completeDigest(digest.runKey, route);
        log.info({ run: digest.runKey, route, messages: digest.messages.length }, 'digest delivered');
      }
    });
    busy ||= !held;
  }
  return !busy;
}
