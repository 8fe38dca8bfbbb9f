import type { ActionKind } from '../../alerts/actions/action-kind.js';
import { parseInteraction, type Click } from '../../alerts/actions/parse-interaction.js';
import type { ActionDeps, ActionOutcome } from './action-deps.js';
import { tell } from './action-deps.js';
import { handleAcknowledge } from './handle-acknowledge.js';
import { handleMuteClick, submitMute } from './handle-mute.js';
import { handleApprove, handleRequest } from './handle-revocation.js';
import type { InteractionHandler } from './interaction.js';
import { makeAllowList } from './slack-allow-list.js';

const VERB: Record<ActionKind, string> = {
  acknowledge: 'acknowledge findings',
  mute: 'mute findings',
  'request-revocation': 'request a revocation',
  'approve-revocation': 'approve a revocation',
};

const HANDLERS: Record<ActionKind, (click: Click, deps: ActionDeps) => Promise<ActionOutcome>> = {
  acknowledge: handleAcknowledge,
  mute: handleMuteClick,
  'request-revocation': handleRequest,
  'approve-revocation': handleApprove,
};

/**
 * What a click or a modal submission does (README "Acting from Slack"). The payload is checked first (an unknown
 * shape is acknowledged and ignored); a click is acknowledged at once and acted on after: the user must be
 * allowed (actions.allowed), the action new (an action Slack delivers twice is applied once), what the button
 * names still open in Redis. A modal's submission is checked before its acknowledgement, whose errors keep the
 * modal open. Every action is counted by kind and outcome.
 */
export function makeInteractionHandler(deps: ActionDeps): InteractionHandler {
  const allowed = makeAllowList(deps.config.actions?.allowed ?? { users: [], userGroups: [] }, deps.web, deps.clock, deps.logger, deps.groupCacheMs);
  const counted = (kind: ActionKind) => (outcome: ActionOutcome) => deps.onAction?.(kind, outcome);
  return async (interaction) => {
    const parsed = parseInteraction(interaction.type, interaction.payload);
    if (parsed === null) {
      // Never the payload: it carries Slack's verification token among what it says.
      deps.logger.warn({ type: interaction.type }, 'a Slack interaction the actions do not know was ignored');
      return { ack: {} };
    }
    if (parsed.type === 'mute') {
      return submitMute(parsed, deps, await allowed(parsed.user.id), counted('mute'));
    }
    const click = parsed;
    const count = counted(click.kind);
    return {
      ack: {},
      after: async () => {
        try {
          if (!(await allowed(click.user.id))) {
            await tell(deps, click, `You are not allowed to ${VERB[click.kind]} here (actions.allowed): nothing was done.`);
            count('refused');
            return;
          }
          if (!(await deps.store.firstTime(['click', click.kind, click.actionTs, click.channel, click.messageTs, click.blockId, click.user.id]))) {
            count('duplicate');
            return;
          }
          count(await HANDLERS[click.kind](click, deps));
        } catch (error) {
          count('failed');
          throw error;
        }
      },
    };
  };
}
