import type { Block, SlackMessage, TextObject } from './slack-message.js';

function unescape(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** mrkdwn as a person reads it: no markers, links as "label (url)". */
function read(t: TextObject): string {
  if (t.type === 'plain_text') {
    return unescape(t.text);
  }
  return unescape(
    t.text
      .replace(/<([^|>]+)\|([^>]+)>/g, '$2 ($1)')
      .replace(/(^|[\s(])\*([^*\n]+)\*/g, '$1$2')
      .replace(/`([^`\n]+)`/g, '$1'),
  );
}

function blockText(b: Block): string {
  switch (b.type) {
    case 'header':
      return `${b.text.text}\n${'═'.repeat(Math.min([...b.text.text].length, 72))}`;
    case 'section':
      return read(b.text);
    case 'context':
      return b.elements.map(read).join('\n');
    case 'divider':
      return '─'.repeat(40);
    case 'actions':
      return b.elements.map((e) => `[ ${e.text.text} ]`).join(' ');
  }
}

/** Each message as a person would read it in Slack: plain text, one block after another. */
export function previewMessages(messages: readonly SlackMessage[]): string {
  if (messages.length === 0) {
    return 'Nothing to post.\n';
  }
  return messages
    .map((m, i) => `── message ${i + 1} of ${messages.length} ──\n${m.blocks.map(blockText).join('\n\n')}\n`)
    .join('\n');
}

/** Each payload as one JSON object a line, ready for Slack's Block Kit Builder. */
export function previewJson(messages: readonly SlackMessage[]): string {
  return messages.map((m) => `${JSON.stringify({ text: m.text, blocks: m.blocks })}\n`).join('');
}
