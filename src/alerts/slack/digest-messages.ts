import { fitDigest, hasNews, type DigestInput } from '../plan-digest.js';
import { layoutDigest } from './layout-digest.js';
import { fitMessage } from './fit-message.js';
import type { SlackMessage } from './slack-message.js';
import type { AlertPlan } from '../plan-alerts.js';
import type { SlackSettings } from '../slack-settings.js';
import { DEFAULT_ROUTE } from '../route-findings.js';
import { defaultRouteUsed } from './route-webhooks.js';
import type { ButtonOptions } from '../actions/action-kind.js';

/** The messages one route (one webhook) gets from a run. */
export interface RouteMessages {
  readonly route: string;
  readonly messages: SlackMessage[];
}

/**
 * A route's digest as the messages to post: the most detailed one that lays out in at most `budget` messages;
 * none when the route has nothing to be told. Each is measured as posted (fitMessage), whatever the layout did.
 */
export function digestMessages(input: DigestInput, budget: number, actions?: ButtonOptions): SlackMessage[] {
  if (!hasNews(input)) {
    return [];
  }
  const digest = fitDigest(input, (d) => layoutDigest(d, input.now, actions).length, budget);
  return layoutDigest(digest, input.now, actions).map(fitMessage);
}

export interface RouteDigestContext extends Omit<DigestInput, 'plan' | 'detailSeverity' | 'minSeverity' | 'whole'> {
  readonly settings: SlackSettings;
  /** The worker acts from Slack (both app tokens set): critical and high tokens carry buttons. */
  readonly actions?: ButtonOptions;
}

/**
 * Every route's messages for one run, each within its own budget; routes with nothing to say are left out.
 * Notes (mute changes) go to every route a finding can reach: never to SLACK_WEBHOOK_URL when a catch-all
 * route leaves it unused (it may be unset, and its digest would wait for a delivery that never comes).
 */
export function routeDigests(plan: AlertPlan, context: RouteDigestContext): RouteMessages[] {
  const { settings, notes, actions, ...rest } = context;
  const out: RouteMessages[] = [];
  // A finding can reach several routes: the run's counts are of distinct findings, so a header can say "3 new here · 5 new in all".
  const whole = {
    newFindings: new Set(plan.routes.flatMap((r) => r.newFindings.map((f) => f.id))).size,
    open: plan.open.shown,
  };
  for (const routePlan of plan.routes) {
    const told = routePlan.route === DEFAULT_ROUTE && !defaultRouteUsed(settings) ? [] : (notes ?? []);
    const messages = digestMessages(
      { ...rest, notes: told, plan: routePlan, whole, minSeverity: settings.minSeverity, detailSeverity: settings.detailSeverity },
      settings.maxMessagesPerRun,
      actions,
    );
    if (messages.length > 0) {
      out.push({ route: routePlan.route, messages });
    }
  }
  return out;
}
