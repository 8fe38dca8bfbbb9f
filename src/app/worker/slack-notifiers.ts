import { createSlackNotifier, type SlackNotifier, type SlackNotifierOptions } from '../../alerts/slack/slack-notifier.js';
import type { Metrics } from '../health/metrics.js';

/** The notifier of each route (by route name), each attempt counted in token_audit_slack_deliveries_total. */
export function createSlackNotifiers(
  webhooks: ReadonlyMap<string, string>,
  metrics: Pick<Metrics, 'slackDeliveries'>,
  slack: Partial<SlackNotifierOptions> | undefined,
): Map<string, SlackNotifier> {
  return new Map(
    [...webhooks].map(([route, webhookUrl]) => [route, createSlackNotifier({ webhookUrl, onAttempt: (outcome) => metrics.slackDeliveries.inc({ outcome }), ...slack })]),
  );
}
