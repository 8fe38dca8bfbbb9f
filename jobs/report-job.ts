import type { Logger } from 'pino';
import { buildReport, type TokenResult } from '../src/core/report.js';
import { coverageGaps } from '../src/core/coverage.js';
import { SlackRejectedError, SlackUnavailableError } from '../src/core/errors.js';
import type { Config } from '../src/config/config.js';
import { planAlerts } from '../src/alerts/plan-alerts.js';
import type { AlertStore } from '../src/alerts/alert-store.js';
import { failedResult } from '../src/pipeline/audit-token.js';
import { parseTokenJobId, type ParentJob } from '../src/queue/job-catalogue.js';
import { routeDigests } from '../src/slack/digest-messages.js';
import { LIST_ALL_COMMAND } from '../src/alerts/digest.js';
import type { SlackNotifier } from '../src/slack/slack-notifier.js';
import type { TokenRef } from '../src/pipeline/token-ref.js';

export interface ReportJobDeps {
  readonly config: Config;
  readonly store: AlertStore;
  readonly notifier: SlackNotifier;
  readonly clock: () => Date;
  readonly logger: Logger;
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
 * A retried report job finds its run committed and only delivers.
 */
export function makeReportHandler(deps: ReportJobDeps) {
  return async (job: ParentJob) => {
    const { runKey } = job.data;
    const log = deps.logger.child({ job: 'report', runKey });
    if (!(await deps.store.isCommitted(runKey))) {
      const values = await job.getChildrenValues<TokenResult>();
      const failures = await job.getIgnoredChildrenFailures();
      const results: TokenResult[] = Object.values(values);
      for (const [key, reason] of Object.entries(failures)) {
        const ref = refFor(key);
        if (ref) {
          log.error({ key }, `token job failed for good: ${reason.slice(0, 200)}`);
          results.push(failedResult(ref, 'its audit job failed repeatedly (see the logs)'));
        }
      }
      const now = deps.clock();
      const report = buildReport({
        runId: runKey,
        startedAt: new Date(job.data.startedAt),
        finishedAt: now,
        now: new Date(job.data.evaluatedAt),
        accounts: job.data.accounts,
        results,
        mutes: deps.config.mutes,
      });
      const settings = deps.config.notify.slack;
      const plan = planAlerts(await deps.store.loadStates(), report.findings, { results }, {
        now,
        minSeverity: settings.minSeverity,
        renotifyAfterHours: settings.renotifyAfterHours,
        routes: settings.routes,
      });
      const gaps = coverageGaps(job.data.accounts, results).map((g) => g.key);
      const digests = routeDigests(plan, {
        stateless: false,
        runId: runKey,
        trigger: runKey.startsWith('manual-') ? 'manual' : 'schedule',
        now,
        settings,
        moreCommand: LIST_ALL_COMMAND,
      });
      const messages = digests.flatMap((d) => d.messages);
      if (await deps.store.commitRun(runKey, { plan, report, messages, now, gapKeys: gaps })) {
        deps.onCommitted?.(results);
        log.info(
          { summary: report.summary, routes: digests.map((d) => ({ route: d.route, messages: d.messages.length })) },
          'run committed',
        );
      }
    }
    try {
      await deliverOutbox(deps, log);
    } finally {
      await deps.store.announceDone(runKey);
    }
    return { runKey };
  };
}

async function deliverOutbox(deps: ReportJobDeps, log: Logger): Promise<void> {
  const held = await deps.store.withOutboxLock(10 * 60_000, async () => {
    for (const digest of await deps.store.pendingDigests()) {
      const rest = digest.messages.slice(digest.delivered);
      try {
        await deps.notifier.send(rest, (i) => deps.store.markDelivered(digest.runKey, digest.delivered + i));
      } catch (error) {
        await deps.store.setDelivery(digest.runKey, 'failed');
        if (error instanceof SlackRejectedError) {
          deps.onSlackFailure?.('rejected');
          log.error({ err: error, run: digest.runKey }, `Slack refused the digest; it is kept and retried with the next run: ${error.message}`);
          throw deps.permanent(error);
        }
        if (error instanceof SlackUnavailableError) {
          deps.onSlackFailure?.('unavailable');
          log.warn({ run: digest.runKey }, `digest not delivered yet, kept in Redis: ${error.message}`);
        }
        throw error;
      }
      await deps.store.completeDigest(digest.runKey);
      await deps.store.setDelivery(digest.runKey, 'delivered');
      log.info({ run: digest.runKey, messages: digest.messages.length }, 'digest delivered');
    }
  });
  if (!held) {
    throw deps.busy();
  }
}
