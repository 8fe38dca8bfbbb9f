import type { Logger } from 'pino';
import { buildReportWithGaps, reportBuilder, type Report, type TokenResult } from '../src/core/report.js';
import type { CoverageGap } from '../src/core/coverage.js';
import type { Finding } from '../src/core/finding.js';
import { gapAccounts } from '../src/alerts/plan-alerts.js';
import {
  SlackDeferredError,
  SlackMessageRejectedError,
  SlackUnavailableError,
  SlackWebhookRejectedError,
} from '../src/core/errors.js';
import type { Config } from '../src/config/config.js';
import { noticeFor, planNotice, planOptions, routeFailingFor, type Notice } from '../src/alerts/plan-notice.js';
import { planAndCommit } from '../src/run/plan-and-commit.js';
import type { AlertStateStore } from '../src/store/alert-state-store.js';
import type { RunCommitter, StateStage } from '../src/store/commit-run.js';
import type { OutboxClaim, OutboxStore, PendingDigest } from '../src/store/outbox-store.js';
import type { SlackMessage } from '../src/alerts/slack/slack-message.js';
import type { RunStore } from '../src/store/run-store.js';
import { failedResult } from '../src/run/audit-token.js';
import { legacyRunTrigger, parseTokenJobId, type ParentJob } from '../src/store/job-catalogue.js';
import { buttonOptionsOf } from '../src/config/button-options.js';
import type { SlackNotifier } from '../src/alerts/slack/slack-notifier.js';
import type { TokenRef } from '../src/core/token-ref.js';
import { muteChanges, toMute, type MuteStore } from '../src/store/mute-store.js';
import type { RevocationStore } from '../src/store/revocation-store.js';
import type { ActionStore } from '../src/store/action-store.js';
import { issuerTallyWarnings } from '../src/run/issuer-warnings.js';
import type { CommittedRun } from '../src/run/run-evidence.js';
import { everyResult, readRunResults, RESULT_PAGE_SIZE, type RunResults } from '../src/run/run-results.js';
import { sharedStrings } from '../src/core/shared-strings.js';
import type { StateFindings } from '../src/run/state-findings.js';
import { lookAtStates } from '../src/run/look-at-states.js';
import { inPasses, pagedPlanner } from '../src/run/plan-in-pages.js';

/** An outbox claim's life; renewed every third of it while its holder delivers. */
const OUTBOX_CLAIM_MS = 30_000;

export interface ReportJobDeps {
  readonly config: Config;
  /** This replica's company directory: its problem goes into the run's warnings (its contents never). */
  readonly directory?: { readonly problem: string | null };
  readonly states: Pick<AlertStateStore, 'load' | 'scan' | 'getMany' | 'gapKeys'>;
  /** Run-time mutes (`mute add`): applied with the configuration's, their changes told once in the digests. */
  readonly mutes?: Pick<MuteStore, 'list' | 'events'>;
  /**
   * Revocations (`revoke`): each run marks lapsed the requests not approved within remediation.approvalHours
   * and its digest tells each lapse once (its commit removes the ids it told).
   */
  readonly revocations?: Pick<RevocationStore, 'lapseDue' | 'untoldLapses'>;
  /** Acknowledgements from Slack: their findings stay open but are not reminded (README "Acting from Slack"). */
  readonly acks?: Pick<ActionStore, 'acknowledged'>;
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
  /** Called once the run is committed (not for a retried job that finds it committed). */
  readonly onCommitted?: () => void;
  /** Token results read per page (default RESULT_PAGE_SIZE); tests make it small. */
  readonly resultPageSize?: number;
  /** Findings planned per page (default PLAN_PAGE_SIZE); tests make it small. */
  readonly planPageSize?: number;
  readonly onSlackFailure?: (kind: 'rejected' | 'unavailable') => void;
  /** A message Slack refused for good was set aside as a dead letter of `route`. */
  readonly onDeadLetter?: (route: string) => void;
  /** Writes the committed run's evidence folder (evidence.dir); never throws. */
  readonly evidence?: (run: CommittedRun) => Promise<void>;
  /** The quarantine deadline check (checkQuarantines), before the outbox is delivered; how many it deleted. */
  readonly quarantines?: () => Promise<number>;
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
      const failures = await job.getIgnoredChildrenFailures();
      const failed: TokenResult[] = [];
      for (const [key, reason] of Object.entries(failures)) {
        const ref = refFor(key);
        if (ref) {
          log.error({ key }, `token job failed for good: ${deps.redact(reason).slice(0, 200)}`);
          failed.push(failedResult(ref, 'its audit job failed repeatedly (see the logs)'));
        }
      }
      // The run's end: the report's finishedAt and the plan's clock.
      const now = deps.clock();
      const evaluatedAt = new Date(job.data.evaluatedAt);
      const approvalHours = deps.config.remediation?.approvalHours ?? 72;
      // Found by the worker, not only when someone runs `revoke list`: a lapse is told without being looked for.
      await deps.revocations?.lapseDue(now, approvalHours);
      // Read at every run: a mute added or removed applies from the next run of every replica, no restart.
      const redisMutes = deps.mutes ? (await deps.mutes.list()).map((m) => toMute(m, deps.config.muteMaxDays)) : [];
      const mutes = [...deps.config.mutes, ...redisMutes];
      const settings = deps.config.notify.slack;
      // A route that keeps failing is a finding, posted through the other routes; one no longer configured is not.
      const failing = routeFailingFor(await deps.outbox.failingRoutes(), settings);
      const inForce = deps.acks === undefined ? null : await deps.acks.acknowledged(now);
      const acknowledged = inForce === null ? undefined : new Set(inForce.keys());
      const trigger = job.data.trigger ?? legacyRunTrigger(runKey);
      const reportInput = { runId: runKey, startedAt: new Date(job.data.startedAt), finishedAt: now, now: evaluatedAt, accounts: job.data.accounts, mutes };
      // The results are read in pages and folded as they come: a read token is counted and its findings taken;
      // only failures, and the status and snapshot of a token that resolves a state's finding, are kept as
      // results. One pool for the job's texts and findings: a finding alike in its state and its token's result
      // is held once.
      const shared = sharedStrings();
      const readResults = (wanted: StateFindings, onFindings?: (findings: Finding[]) => Promise<void>) =>
        readRunResults(job, {
          wanted,
          listed: job.data.listed,
          pageSize: deps.resultPageSize ?? RESULT_PAGE_SIZE,
          extra: failed,
          shared,
          ...(onFindings === undefined ? {} : { onFindings }),
        });
      // The results folded with their findings held, for a run planned whole; kept for its next attempt.
      let whole: RunResults | undefined;
      await planAndCommit({
        load: (attempt) => lookAtStates(deps.states, { ...planOptions({ settings, now, acknowledged }), shared, ...(attempt > 1 && whole !== undefined ? { known: whole.wanted } : {}) }),
        commit: async (states) => {
          // Read after the version: a commit that is not refused consumes exactly these (commit-run.lua).
          const told = await muteChanges(deps.mutes, evaluatedAt, deps.config.muteMaxDays);
          const lapses = (await deps.revocations?.untoldLapses()) ?? [];
          const input = {
            run: { id: runKey, trigger },
            settings,
            now,
            muteChanges: told.changes,
            lapses: { records: lapses, approvalHours },
            ...(acknowledged === undefined ? {} : { acknowledged }),
            actions: buttonOptionsOf(deps.config),
          };
          type Made = { results: RunResults; report: Report; gaps: CoverageGap[]; stage?: StateStage };
          let made: Made & { notice: Notice };
          if (states.whole !== null) {
            // Commits kept coming during the looks: every state and every finding at once.
            // Another run's commit may hold states of tokens whose passing result was not kept: read them again.
            const results = whole === undefined || states.unread ? await readResults(states.wanted) : whole;
            whole = results;
            const { report, gaps } = buildReportWithGaps({ ...reportInput, results: results.kept, counted: results.counted, findings: results.findings, more: failing });
            const notice = planNotice({ ...input, previous: states.whole, findings: report.findings, results: [...results.kept, ...results.read] });
            made = { results, report, gaps, notice };
          } else {
            // A page of results at a time: its findings go into the report (staged) and are planned against their
            // states (staged), then dropped. Memory holds what changed, not the findings nor the states. A reminder
            // day reads the results twice (inPasses): the first pass finds which routes fell due.
            const pass = await inPasses(async (remindRoutes) => {
              const stage = deps.committer.openStage(runKey);
              const builder = reportBuilder(reportInput);
              const options = planOptions(input);
              const planner = pagedPlanner({
                store: deps.states,
                survey: states,
                options: remindRoutes === undefined ? options : { ...options, remindRoutes },
                stage: (upserts) => stage.add(upserts),
                shared,
                ...(deps.planPageSize === undefined ? {} : { pageSize: deps.planPageSize }),
              });
              // A batch of the report's findings (named and muted): staged as a slice of its record, and planned.
              const keep = async (findings: readonly Finding[]) => {
                await stage.addFindings(findings);
                await planner.page(findings);
              };
              const results = await readResults(states.wanted, async (found) => {
                await keep(builder.add(found));
                shared.forget(); // the page's findings and states are not met again
              });
              // The kept results', the coverage gaps' and the failing routes' findings: finish added them to the report.
              const { report, gaps, findings } = builder.finish({ results: results.kept, counted: results.counted, more: failing });
              await keep(findings);
              const plan = await planner.finish({ results: [...results.kept, ...results.read] }, gapAccounts(findings));
              return { results, report, gaps, stage, plan };
            }, (first) => first.stage.discard());
            made = { ...pass, notice: noticeFor(pass.plan, input) };
          }
          const { results, report, gaps, notice } = made;
          const { plan, digests } = notice;
          report.warnings.push(...issuerTallyWarnings(results.issuers, deps.directory?.problem ?? null));
          const outcome = await deps.committer.commitRun({
            run: runKey,
            trigger,
            counts: plan.counts,
            version: states.version,
            ...(made.stage === undefined ? {} : { stage: made.stage }),
            upserts: plan.upserts,
            resolvedIds: plan.resolvedKeys,
            report,
            digests,
            openCounts: plan.open.byRule,
            gapKeys: gaps.map((g) => g.key),
            now,
            mutes: { events: told.events, lapsed: told.lapsed },
            toldLapses: lapses.map((r) => r.id),
            // The sentinel counts these tokens seen from this commit on, not from the listing.
            seen: job.data.listed === undefined ? undefined : results.seen,
            keep: deps.config.runs.keep,
            ages: { resolved: plan.resolvedAges, oldestOpen: plan.open.oldest },
            historyDays: deps.config.history?.days,
          });
          if (outcome === 'committed') {
            deps.onCommitted?.();
            if (deps.evidence !== undefined) {
              // The evidence folder lists every token, passing ones too: read again, page by page, after the commit;
              // and every finding, which a run planned in pages wrote away: read back from its record.
              const every = everyResult(job, deps.resultPageSize ?? RESULT_PAGE_SIZE, failed);
              const full = made.stage === undefined ? report : ((await deps.runs.getRun(runKey))?.report ?? report);
              await deps.evidence({ report: full, results: every, accounts: job.data.accounts, mutes, plan, acks: [...(inForce?.values() ?? [])] });
            }
            log.info(
              { summary: report.summary, routes: digests.map((d) => ({ route: d.route, messages: d.messages.length })) },
              'run committed',
            );
          }
        },
        onStale: (attempt) => log.info({ attempt }, 'another run committed first: planning again from its state'),
      });
    }
    // Each run checks the quarantines' deadlines too (not only sweeps): their "Revoked" messages go out below.
    await deadlineCheck(deps, log);
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

/** The quarantine deadline check; a failure of it is logged, and the next sweep or run checks again. */
export async function deadlineCheck(deps: { readonly quarantines?: () => Promise<number> }, log: Logger): Promise<number> {
  try {
    return (await deps.quarantines?.()) ?? 0;
  } catch (error) {
    log.warn({ err: error }, 'quarantine: the deadline check failed; the next sweep or run checks again');
    return 0;
  }
}

/** Delivers every route's pending digests, oldest first, each route under its own claim; `deps.busy()` when a claim was held. */
export async function deliverOutbox(deps: DeliveryDeps, log: Logger): Promise<void> {
  if (!(await deliverPending(deps, log))) {
    throw deps.busy();
  }
}

/** As deliverOutbox; false when another replica held a route's claim (its digests are left to it). */
async function deliverPending(deps: DeliveryDeps, log: Logger): Promise<boolean> {
  // Every route at once, each under its own claim: a route whose webhook fails (refused, 5xx, timeouts,
  // a long Retry-After) holds up only its own messages; the others, the default included, go out now.
  const outcomes = await Promise.allSettled([...deps.notifiers].map(([route, notifier]) => deliverRoute(deps, log, route, notifier)));
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) {
    throw failed.reason;
  }
  return outcomes.every((o) => o.status === 'fulfilled' && o.value);
}

type DeliveryDeps = Omit<ReportJobDeps, 'states' | 'committer' | 'config'>;

/** One route's pending digests, oldest first, under its claim; false when another replica holds it. */
async function deliverRoute(deps: DeliveryDeps, log: Logger, route: string, notifier: SlackNotifier): Promise<boolean> {
  const reason = (error: Error) => deps.redact(error.message).slice(0, 200);
  return deps.outbox.withClaim(route, deps.outboxClaimMs ?? OUTBOX_CLAIM_MS, async (claim) => {
    const pending = await deps.outbox.pendingDigests(route);
    for (const digest of pending) {
      try {
        await deliverDigest(deps, log, digest, notifier, claim);
      } catch (error) {
        if (error instanceof SlackUnavailableError || error instanceof SlackWebhookRejectedError) {
          // One more failed attempt in a row: from ROUTE_FAILING_ATTEMPTS on, the route is a finding of its own.
          await deps.outbox.routeFailed(route, deps.clock(), reason(error));
        }
        if (error instanceof SlackDeferredError) {
          deps.onSlackFailure?.('unavailable');
          await deps.runs.setDelivery(digest.runKey, 'pending', { name: route, reason: reason(error) });
          log.warn({ run: digest.runKey, route }, `digest not delivered yet, kept for the next run: ${error.message}`);
          return;
        }
        if (error instanceof SlackWebhookRejectedError) {
          await deps.runs.setDelivery(digest.runKey, 'failed', { name: route, reason: reason(error) });
          deps.onSlackFailure?.('rejected');
          log.error(
            { err: error, run: digest.runKey, route },
            `Slack refused the webhook of route "${route}"; its messages are kept and retried with the next run: ${error.message}`,
          );
          throw deps.permanent(error);
        }
        if (error instanceof SlackUnavailableError) {
          await deps.runs.setDelivery(digest.runKey, 'failed', { name: route, reason: reason(error) });
          deps.onSlackFailure?.('unavailable');
          log.warn({ run: digest.runKey, route }, `digest not delivered yet, kept in Redis: ${error.message}`);
        }
        throw error;
      }
    }
    if (pending.length > 0) {
      await deps.outbox.routeDelivered(route);
    }
  });
}

/** Posts what is left of one digest; a message Slack refuses for good is set aside and the next one goes out. */
async function deliverDigest(deps: DeliveryDeps, log: Logger, digest: PendingDigest, notifier: SlackNotifier, claim: OutboxClaim): Promise<void> {
  const { runKey: run, route } = digest;
  let deadLettered = 0;
  for (let i = digest.delivered; i < digest.messages.length; i += 1) {
    const message = digest.messages[i] as SlackMessage;
    try {
      await notifier.send([message], () => deps.outbox.markDelivered(run, route, i), { beforePost: () => claim.assertHeld(), signal: deps.signal });
    } catch (error) {
      if (!(error instanceof SlackMessageRejectedError)) {
        throw error;
      }
      const letter = await deps.outbox.deadLetter(run, route, i, { at: deps.clock(), status: error.statusCode, answer: error.slackError }, message);
      if (letter !== null) {
        deadLettered += 1;
        deps.onDeadLetter?.(route);
        log.error(
          { run, route, index: i, deadLetter: letter.id, status: error.statusCode },
          `Slack refused message ${i + 1} of ${digest.messages.length} for good (${error.slackError}); set aside as dead letter ${letter.id} (\`deliveries dead-letters\`), the next message goes out`,
        );
      }
    }
  }
  await deps.outbox.completeDigest(run, route);
  log.info({ run, route, messages: digest.messages.length, deadLettered }, 'digest delivered');
}
