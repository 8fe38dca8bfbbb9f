import { describe, expect, it } from '@jest/globals';
import { previewMessages } from '../../src/alerts/slack/preview-messages.js';
import { tokenButtons } from '../../src/alerts/slack/token-buttons.js';
import type { SlackMessage, TextObject } from '../../src/alerts/slack/slack-message.js';

const mrkdwn = (text: string): TextObject => ({ type: 'mrkdwn', text, verbatim: true });

const first: SlackMessage = {
  text: 'Gcore token audit: 🔴 1 new',
  blocks: [
    { type: 'header', text: { type: 'plain_text', text: 'Gcore token audit: 🔴 1 new' } },
    { type: 'section', text: mrkdwn('*New* (1), listed by `audit --format json` &amp; <https://portal.example/tokens|the portal>') },
    { type: 'section', text: { type: 'plain_text', text: '*not bold* `not code` &lt;!channel&gt; &amp; co', emoji: true } },
    { type: 'divider' },
    { type: 'context', elements: [mrkdwn('What to do · *stale*: ask the owner'), mrkdwn('Run r1 (scheduled)')] },
  ],
};

const second: SlackMessage = {
  text: 'x'.repeat(100),
  blocks: [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(100) } }],
};

describe('previewMessages', () => {
  it('writes each message as a person reads it: numbered, blocks a blank line apart, messages a line apart', () => {
    expect(previewMessages([first, second])).toBe(
      [
        '── message 1 of 2 ──',
        'Gcore token audit: 🔴 1 new',
        '═'.repeat(26),
        '',
        'New (1), listed by audit --format json & the portal (https://portal.example/tokens)',
        '',
        '*not bold* `not code` <!channel> & co',
        '',
        '─'.repeat(40),
        '',
        'What to do · stale: ask the owner',
        'Run r1 (scheduled)',
        '',
        '── message 2 of 2 ──',
        'x'.repeat(100),
        '═'.repeat(72),
        '',
      ].join('\n'),
    );
  });

  it('underlines a header as wide as its characters (an emoji is one), at most 72', () => {
    const header = (text: string): SlackMessage => ({ text, blocks: [{ type: 'header', text: { type: 'plain_text', text } }] });
    expect(previewMessages([header('🔴🔴')])).toBe('── message 1 of 1 ──\n🔴🔴\n══\n');
    expect(previewMessages([header('x'.repeat(72))]).endsWith(`\n${'═'.repeat(72)}\n`)).toBe(true);
    expect(previewMessages([header('x'.repeat(73))]).endsWith(`\n${'═'.repeat(72)}\n`)).toBe(true);
  });

  it('keeps plain text as Slack shows it: asterisks and backticks stay, only entities are read', () => {
    const plain: SlackMessage = { text: 't', blocks: [{ type: 'section', text: { type: 'plain_text', text: '*a* `b` <c|d> &lt;e&gt;' } }] };
    expect(previewMessages([plain])).toBe('── message 1 of 1 ──\n*a* `b` <c|d> <e>\n');
  });

  it('shows the buttons of a token as the reader sees them (plan --slack-preview with the app tokens set)', () => {
    const withButtons: SlackMessage = {
      text: 't',
      blocks: [
        { type: 'section', text: { type: 'plain_text', text: 'ci-deploy (token 116)' } },
        tokenButtons(456, 116, { remediation: true }, 'token-0'),
      ],
    };
    expect(previewMessages([withButtons])).toBe('── message 1 of 1 ──\nci-deploy (token 116)\n\n[ Acknowledge ] [ Mute… ] [ Request revocation ]\n');
  });
});
