import type { Finding } from '../core/finding.js';
import { routeFailingFindings, type FailingRoute } from '../core/route-failing.js';
import { planAlerts, type AlertPlan, type AlertState, type PlanOptions, type RunCoverage } from './plan-alerts.js';
import { muteNotes, type MuteChange } from './mute-notes.js';
import { revocationEndingNotes, type RevocationEnding } from './revocation-notes.js';
import type { SlackSettings } from './slack-settings.js';
import { routeDigests, type RouteMessages } from './slack/digest-messages.js';
import { postableRoutes } from './slack/route-webhooks.js';
import type { ButtonOptions } from './actions/action-kind.js';

/**
 * Which run the notice is for. `audit`: the one-shot audit, with no memory of earlier runs (everything open is
 * told, and its listing commands re-run the audit); `schedule` and `manual`: a worker run, or `plan`'s preview of
 * the next one (told against the alert state, listed with `findings`).
 */
export interface NoticeRun {
  readonly id: string;
  readonly trigger: 'schedule' | 'manual' | 'audit';
}

export interface NoticeInput {
  readonly run: NoticeRun;
  /** The alert states before this run (`audit`: none). */
  readonly previous: ReadonlyMap<string, AlertState>;
  /** The run's findings, muted as its report mutes them (route-failing ones included: routeFailingFor). */
  readonly findings: readonly Finding[];
  /** What the run read: only a read token resolves its findings. */
  readonly results: RunCoverage['results'];
  readonly settings: SlackSettings;
  /** The instant the alerts are planned at (renotification, "resolved" reasons, the digest's dates). */
  readonly now: Date;
  /** Run-time mute changes not told yet: each is told once, in every route a finding can reach. */
  readonly muteChanges?: readonly MuteChange[];
  /** Revocations that ended without a deletion and are not told yet (lapsed requests, quarantines), and the approval window. */
  readonly lapses?: { readonly records: readonly RevocationEnding[]; readonly approvalHours: number };
  /** Findings acknowledged from Slack and still in force: reminders skip them, the header counts them apart. */
  readonly acknowledged?: ReadonlySet<string>;
  /** The buttons the messages carry (the worker's, with the Slack app tokens set); absent: none. */
  readonly actions?: ButtonOptions;
}

/** What a run tells Slack, and the alert states that say it was told. */
export interface Notice {
  readonly plan: AlertPlan;
  /** The notes (mute changes, then revocations ended without a deletion) the digests carry. */
  readonly notes: readonly string[];
  /** Each route's messages; routes with nothing to say are left out. */
  readonly digests: RouteMessages[];
}

/**
 * The one decision of what to tell Slack, for `audit` (`--notify`, `--slack-preview`), `plan` (its preview) and the
 * worker's report job alike: the alert plan against the previous states, then each route's digest within its
 * message budget. Pure: the clock is `now`. Two callers giving the same input get the same payloads, byte for byte.
 */
export function planNotice(input: NoticeInput): Notice {
  return noticeFor(planAlerts(input.previous, input.findings, { results: input.results }, planOptions(input)), input);
}

/** The alert plan's options from a notice's input: the one place the settings become them. */
export function planOptions(input: Pick<NoticeInput, 'settings' | 'now' | 'acknowledged'>): PlanOptions {
  const { settings } = input;
  return {
    now: input.now,
    minSeverity: settings.minSeverity,
    renotifyAfterHours: settings.renotifyAfterHours,
    routes: settings.routes,
    ...(input.acknowledged === undefined ? {} : { acknowledged: input.acknowledged }),
  };
}

/**
 * What a made plan tells Slack: planNotice's second half, for a run planned a part at a time (the worker's
 * report job, addPlans) as for one planned whole.
 */
export function noticeFor(plan: AlertPlan, input: Omit<NoticeInput, 'previous' | 'findings' | 'results'>): Notice {
  const { settings, now, run } = input;
  const stateless = run.trigger === 'audit';
  const notes = [
    ...muteNotes(input.muteChanges ?? []),
    ...(input.lapses === undefined ? [] : revocationEndingNotes(input.lapses.records, input.lapses.approvalHours)),
  ];
  const digests = routeDigests(plan, {
    stateless,
    runId: run.id,
    trigger: run.trigger,
    now,
    settings,
    notes,
    listing: stateless ? 'audit' : 'findings',
    actions: input.actions,
  });
  return { plan, notes, digests };
}

/**
 * The routes a run can post to: every configured one, and the default unless a catch-all route leaves it unused.
 * A failing route among them is a finding of the run, posted through the others; one no longer configured is not.
 */
export function routeFailingFor(failing: readonly FailingRoute[], settings: SlackSettings): Finding[] {
  const postable = new Set(postableRoutes(settings).map((r) => r.route));
  return routeFailingFindings(failing.filter((f) => postable.has(f.route)));
}
