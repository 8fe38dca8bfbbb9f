/** Slack's documented limits: https://docs.slack.dev/reference/block-kit/blocks */
export const SLACK_LIMITS = { blocks: 50, sectionText: 3000, headerText: 150, contextText: 2000, contextElements: 10 } as const;
// Slack also rejects messages whose blocks add up to more than ~13k characters of text (msg_blocks_too_long,
// undocumented: slackapi/bolt-js#2509): keep below it.
export const MESSAGE_CHAR_BUDGET = 12_000;

export const PORTAL_URL = 'https://portal.gcore.com/accounts/settings/api-tokens';

export type TextObject = { type: 'plain_text'; text: string; emoji?: boolean } | { type: 'mrkdwn'; text: string; verbatim?: boolean };

/** A button of an actions block (only when the worker acts from Slack: README "Acting from Slack"). */
export interface Button {
  type: 'button';
  action_id: string;
  text: { type: 'plain_text'; text: string; emoji?: boolean };
  value: string;
  style?: 'primary' | 'danger';
}

export type ActionsBlock = { type: 'actions'; block_id: string; elements: Button[] };

export type Block =
  | { type: 'header'; text: { type: 'plain_text'; text: string } }
  | { type: 'section'; text: TextObject }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'divider' }
  | ActionsBlock;

/** One webhook payload. */
export interface SlackMessage {
  /** Fallback for notifications and clients without Block Kit: always set. */
  readonly text: string;
  readonly blocks: Block[];
}
