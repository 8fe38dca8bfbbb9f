import { Counter, Gauge, type Registry } from 'prom-client';
import { ACTION_KINDS } from '../../alerts/actions/action-kind.js';
import type { ActionOutcome } from '../slack-actions/action-deps.js';

// Every outcome of every action shown from the first scrape (see metrics.ts: `increase(...) > 0` fires on the first).
const OUTCOMES: readonly ActionOutcome[] = ['applied', 'opened', 'refused', 'stale', 'invalid', 'duplicate', 'failed'];

/**
 * The metrics of acting from Slack, registered only when the worker is interactive (both app tokens set), so a
 * worker without them scrapes exactly as before. Per process: summed over replicas, the socket gauge is 1
 * while one replica holds a connected socket.
 */
export function createSlackActionMetrics(registry: Registry) {
  const actions = new Counter({
    name: 'token_audit_slack_actions_total',
    help: 'Actions from Slack buttons and modals by kind (acknowledge, mute, request-revocation, approve-revocation) and outcome',
    labelNames: ['action', 'outcome'],
    registers: [registry],
  });
  for (const action of ACTION_KINDS) {
    for (const outcome of OUTCOMES) {
      actions.inc({ action, outcome }, 0);
    }
  }
  const socketUp = new Gauge({
    name: 'token_audit_slack_socket_up',
    help: "1 while this replica holds Slack's Socket Mode connection and it is connected (one replica at a time holds it)",
    registers: [registry],
  });
  return { actions, socketUp };
}
