import { fitDigest, hasNews, type DigestInput } from '../alerts/plan-digest.js';
import { layoutDigest } from './layout-digest.js';
import type { SlackMessage } from './slack-message.js';
import type { AlertPlan } from '../alerts/plan-alerts.js';
import type { SlackSettings } from '../config/config.js';

/** The messages one route (one webhook) gets from a run. */
export interface RouteMessages {
  readonly route: string;
  readonly messages: SlackMessage[];
}

/**
 * A route's digest as the messages to post: the most detailed one that lays out in at most `budget` messages;
 * none when the route has nothing to be told.
 */
export function digestMessages(input: DigestInput, budget: number): SlackMessage[] {
  if (!hasNews(input)) {
    return [];
  }
  const digest = fitDigest(input, (d) => layoutDigest(d, input.now).length, budget);
  return layoutDigest(digest, input.now);
}

export interface RouteDigestContext extends Omit<DigestInput, 'plan' | 'detailSeverity' | 'minSeverity'> {
  readonly settings: SlackSettings;
}

/** Every route's messages for one run, each within its own budget; routes with nothing to say are left out. */
export function routeDigests(plan: AlertPlan, context: RouteDigestContext): RouteMessages[] {
  const { settings, ...rest } = context;
  const out: RouteMessages[] = [];
  for (const routePlan of plan.routes) {
    const messages = digestMessages(
      { ...rest, plan: routePlan, minSeverity: settings.minSeverity, detailSeverity: settings.detailSeverity },
      settings.maxMessagesPerRun,
    );
    if (messages.length > 0) {
      out.push({ route: routePlan.route, messages });
    }
  }
  return out;
}
