import { millisecondsInDay } from 'date-fns/constants';
import { acknowledgedBlock } from '../../alerts/actions/decision-blocks.js';
import type { Click } from '../../alerts/actions/parse-interaction.js';
import type { Acknowledgement } from '../../core/acknowledgement.js';
import { DEFAULT_ACK_DAYS } from '../../config/config-schema.js';
import { rewrite, type ActionDeps, type ActionOutcome } from './action-deps.js';
import { tokenOfClick } from './token-of-click.js';

/**
 * Acknowledge: every open finding of the token is acknowledged by the clicking user until actions.ackDays from
 * now (it stays open; reminders skip it), and the message says so in place of the buttons.
 */
export async function handleAcknowledge(click: Click, deps: ActionDeps): Promise<ActionOutcome> {
  const token = await tokenOfClick(click, deps);
  if ('outcome' in token) {
    return token.outcome;
  }
  const now = deps.clock();
  const until = new Date(now.getTime() + (deps.config.actions?.ackDays ?? DEFAULT_ACK_DAYS) * millisecondsInDay);
  const acks: Acknowledgement[] = token.findings.flatMap((f) =>
    f.clientId === null || f.tokenId === null
      ? []
      : [{ findingId: f.id, clientId: f.clientId, tokenId: f.tokenId, rule: f.rule, by: click.user.id, name: click.user.name, at: now.toISOString(), until: until.toISOString() }],
  );
  await deps.store.acknowledge(acks, now);
  deps.logger.info({ action: 'acknowledge', user: click.user.id, clientId: token.clientId, tokenId: token.tokenId, findings: acks.length }, 'acknowledged from Slack');
  await rewrite(deps, click, click.message, acknowledgedBlock(click.user.id, now, until));
  return 'applied';
}
