import { Gauge } from 'prom-client';
import { ACTION_KINDS } from '../../alerts/actions/action-kind.js';
import type { ActionOutcome } from '../slack-actions/action-deps.js';
import type { Metrics } from './metrics.js';

// Every outcome of every action shown from the first scrape (see metrics.ts: `increase(...) > 0` fires on the first).
const OUTCOMES: readonly ActionOutcome[] = ['applied', 'opened', 'refused', 'stale', 'invalid', 'duplicate', 'failed'];

/**
 * The metrics of acting from Slack, set up only when the worker is interactive (both app tokens set), so a
 * worker without them shows no series of them: token_audit_slack_actions_total (metrics.ts) with every
 * action and outcome at 0, and token_audit_slack_socket_up, per process (summed over replicas it is 1 while
 * one replica holds a connected socket).
 */
export function slackActionMetrics(metrics: Pick<Metrics, 'registry' | 'slackActions'>) {
  for (const action of ACTION_KINDS) {
    for (const outcome of OUTCOMES) {
      metrics.slackActions.inc({ action, outcome }, 0);
    }
  }
  const socketUp = new Gauge({
    name: 'token_audit_slack_socket_up',
    help: "1 while this replica holds Slack's Socket Mode connection and it is connected (one replica at a time holds it)",
    registers: [metrics.registry],
  });
  return { actions: metrics.slackActions, socketUp };
}
