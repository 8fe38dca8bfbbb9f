import { muteModal } from '../../alerts/actions/mute-modal.js';
import { mutedBlock } from '../../alerts/actions/decision-blocks.js';
import type { Click, MuteSubmission } from '../../alerts/actions/parse-interaction.js';
import { routeNames } from '../../alerts/route-findings.js';
import { UsageError } from '../../core/errors.js';
import { muteFromFlags } from '../cli/mute-command.js';
import { rewrite, slackPerson, type ActionDeps, type ActionOutcome } from './action-deps.js';
import type { InteractionOutcome } from './interaction.js';
import { tokenOfClick } from './token-of-click.js';

/** Mute…: the modal opens at once (its trigger id lives 3 s); the message is remembered for the submission. */
export async function handleMuteClick(click: Click, deps: ActionDeps): Promise<ActionOutcome> {
  const token = await tokenOfClick(click, deps);
  if ('outcome' in token) {
    return token.outcome;
  }
  await deps.web.openView(click.triggerId, muteModal({ clientId: token.clientId, tokenId: token.tokenId, channel: click.channel, messageTs: click.messageTs, blockId: click.blockId }, deps.config.muteMaxDays));
  await deps.store.rememberMessage(click.channel, click.messageTs, click.message);
  return 'opened';
}

/** The modal's errors, by input block: Slack shows each under its field and keeps the modal open. */
const errors = (field: 'reason' | 'until', text: string): InteractionOutcome => ({ ack: { response_action: 'errors', errors: { [field]: text } } });

/**
 * The Mute… modal submitted: checked as `mute add` checks its flags (the same code), the author the Slack
 * user. A problem keeps the modal open with the problem under its field; the mute is added after the
 * acknowledgement, once, and the message says so in place of the buttons.
 */
export async function submitMute(
  sub: MuteSubmission,
  deps: ActionDeps,
  allowed: boolean,
  count: (outcome: ActionOutcome) => void,
): Promise<InteractionOutcome> {
  if (!allowed) {
    count('refused');
    return errors('reason', 'You are not allowed to mute here (actions.allowed).');
  }
  const { clientId, tokenId } = sub.where;
  let mute;
  try {
    mute = muteFromFlags(
      { reason: sub.reason, until: sub.until, account: String(clientId), token: String(tokenId), by: slackPerson(sub.user) },
      deps.config.muteMaxDays,
      deps.clock(),
      {},
    );
  } catch (error) {
    if (!(error instanceof UsageError)) {
      throw error;
    }
    count('invalid');
    // `mute add`'s words name its flags: in the modal, each goes under the field it is about.
    const field = error.message.startsWith('--until') ? 'until' : 'reason';
    return errors(field, error.message.replace(/^--(until|reason): /, ''));
  }
  if ((await deps.store.openFindingsOf(clientId, tokenId, routeNames(deps.config.notify.slack.routes))).length === 0) {
    count('stale');
    return errors('reason', `Token ${tokenId} (account ${clientId}) has no open finding any more: nothing to mute.`);
  }
  const chosen = mute;
  return {
    ack: {},
    after: async () => {
      try {
        if (!(await deps.store.firstTime(['mute', sub.viewId]))) {
          count('duplicate');
          return;
        }
        await deps.mutes.add(chosen);
      } catch (error) {
        count('failed');
        throw error;
      }
      deps.logger.info({ action: 'mute', user: sub.user.id, clientId, tokenId, mute: chosen.id }, 'muted from Slack');
      count('applied');
      await rewrite(deps, sub.where, await deps.store.message(sub.where.channel, sub.where.messageTs), mutedBlock(sub.user.id, chosen.untilText, chosen.reason));
    },
  };
}
