import type { MuteMetadata } from './parse-interaction.js';

/** The Mute… modal: reason and until, both required; where the button was rides along in private_metadata. */
export function muteModal(where: MuteMetadata, maxDays: number): Readonly<Record<string, unknown>> {
  const plain = (text: string) => ({ type: 'plain_text', text });
  return {
    type: 'modal',
    callback_id: 'mute',
    title: plain('Mute a token'),
    submit: plain('Mute'),
    close: plain('Cancel'),
    private_metadata: JSON.stringify({ token: `${where.clientId}/${where.tokenId}`, channel: where.channel, messageTs: where.messageTs, blockId: where.blockId }),
    blocks: [
      {
        type: 'section',
        text: plain(`Every rule of token ${where.tokenId} (account ${where.clientId}) is muted until the day you pick, as \`mute add\` does.`),
      },
      { type: 'input', block_id: 'reason', label: plain('Why'), element: { type: 'plain_text_input', action_id: 'reason', max_length: 500 } },
      { type: 'input', block_id: 'until', label: plain(`Until (at most ${maxDays} days ahead)`), element: { type: 'datepicker', action_id: 'until' } },
    ],
  };
}
