// What Slack checks of a webhook payload before it posts anything, written out from Slack's documentation
// (https://docs.slack.dev/reference/block-kit/blocks and each block's page) and not taken from src/, so that
// the stand-in judges our payloads independently. The aggregate limit is undocumented: Slack refused blocks
// adding up to about 13,200 characters of text (slackapi/bolt-js#2509).
export const SLACK_ACCEPTS = { blocks: 50, headerText: 150, sectionText: 3000, contextElements: 10, contextText: 2000, totalText: 13_200 } as const;

interface TextObject {
  readonly type?: unknown;
  readonly text?: unknown;
}

const textOf = (t: TextObject | undefined): string | null => (typeof t?.text === 'string' ? t.text : null);

/** Slack's error for a payload it refuses ("invalid_blocks" or "msg_too_long"), or null when it takes it. */
export function slackRejection(body: { text?: unknown; blocks?: unknown }): string | null {
  if (body.blocks === undefined) {
    return typeof body.text === 'string' && body.text !== '' ? null : 'no_text';
  }
  if (!Array.isArray(body.blocks) || body.blocks.length > SLACK_ACCEPTS.blocks) {
    return 'invalid_blocks';
  }
  let total = 0;
  for (const block of body.blocks as { type?: unknown; text?: TextObject; elements?: TextObject[] }[]) {
    const texts: (string | null)[] = [];
    if (block.type === 'header') {
      const text = textOf(block.text);
      if (block.text?.type !== 'plain_text' || text === null || text.length > SLACK_ACCEPTS.headerText) {
        return 'invalid_blocks';
      }
      texts.push(text);
    } else if (block.type === 'section') {
      const text = textOf(block.text);
      if (text === null || text.length > SLACK_ACCEPTS.sectionText) {
        return 'invalid_blocks';
      }
      texts.push(text);
    } else if (block.type === 'context') {
      if (!Array.isArray(block.elements) || block.elements.length === 0 || block.elements.length > SLACK_ACCEPTS.contextElements) {
        return 'invalid_blocks';
      }
      texts.push(...block.elements.map(textOf));
      if (texts.some((t) => t !== null && t.length > SLACK_ACCEPTS.contextText)) {
        return 'invalid_blocks';
      }
    } else if (block.type !== 'divider') {
      return 'invalid_blocks';
    }
    // Slack requires every text object to say something.
    if (texts.some((t) => t === null || t.length === 0)) {
      return 'invalid_blocks';
    }
    total += texts.reduce((s, t) => s + (t?.length ?? 0), 0);
  }
  return total > SLACK_ACCEPTS.totalText ? 'msg_too_long' : null;
}
