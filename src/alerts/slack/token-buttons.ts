import { ACTION_LABEL, tokenValue, type ActionKind, type ButtonOptions } from '../actions/action-kind.js';
import type { ActionsBlock, Button } from './slack-message.js';

export const button = (kind: ActionKind, value: string, style?: Button['style']): Button => ({
  type: 'button',
  action_id: kind,
  text: { type: 'plain_text', text: ACTION_LABEL[kind], emoji: true },
  value,
  ...(style === undefined ? {} : { style }),
});

/**
 * A token's buttons: Acknowledge, Mute… and, with remediation on, Request revocation. `blockId` only has to be
 * unique within its message (Slack refuses a message repeating one): the handler finds the block by it.
 */
export function tokenButtons(clientId: number, tokenId: number, options: ButtonOptions, blockId: string): ActionsBlock {
  const value = tokenValue(clientId, tokenId);
  const elements = [button('acknowledge', value), button('mute', value)];
  if (options.remediation) {
    elements.push(button('request-revocation', value, 'danger'));
  }
  return { type: 'actions', block_id: blockId, elements };
}
