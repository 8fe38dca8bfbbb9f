import type { Block, SlackMessage } from './slack-message.js';
import { slackText } from './slack-text.js';
import { fitMessage } from './fit-message.js';

/** What a "Revoked" message says: every field is text written by people or by Gcore, escaped and cut here. */
export interface RevokedNotice {
  readonly clientId: number;
  readonly tokenId: number;
  readonly tokenName: string;
  readonly requestedBy: string;
  readonly approvedBy: string;
  readonly reason: string;
  /** "deleted" or "already gone (...)". */
  readonly outcome: string;
}

/** The short message posted at once to the routes of the token's findings when a revocation is carried out. */
export function layoutRevoked(n: RevokedNotice): SlackMessage {
  const what = `Token ${slackText(n.tokenName, 80)} (${n.clientId}/${n.tokenId}) revoked: ${slackText(n.outcome, 80)}`;
  const who = `asked by ${slackText(n.requestedBy, 100)} (${slackText(n.reason, 500)}), approved by ${slackText(n.approvedBy, 100)}`;
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Revoked' } },
    { type: 'section', text: { type: 'mrkdwn', text: `${what}\n${who}` } },
  ];
  return fitMessage({ text: `Revoked: ${what}, ${who}`, blocks });
}
