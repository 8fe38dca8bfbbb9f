// What Slack checks of a webhook payload before it posts anything, written out from Slack's documentation
// (https://docs.slack.dev/reference/block-kit/blocks and each block's page) and not taken from src/, so that
// the stand-in judges our payloads independently. The aggregate limit is undocumented: Slack refused blocks
// adding up to about 13,200 characters of text (slackapi/bolt-js#2509).
export const SLACK_ACCEPTS = { blocks: 50, headerText: 150, sectionText: 3000, contextElements: 10, contextText: 2000, totalText: 13_200, actionsElements: 25, buttonText: 75, actionId: 255, buttonValue: 2000 } as const;

interface TextObject {
  readonly type?: unknown;
  readonly text?: unknown;
}

const textOf = (t: TextObject | undefined): string | null => (typeof t?.text === 'string' ? t.text : null);

interface Button {
  readonly action_id?: unknown;
  readonly value?: unknown;
}

const validButton = (b: TextObject & Button): boolean =>
  b.type === 'button' &&
  (b.text as TextObject | undefined)?.type === 'plain_text' &&
  (textOf(b.text as TextObject) ?? '').length > 0 &&
  (textOf(b.text as TextObject) ?? '').length <= SLACK_ACCEPTS.buttonText &&
  typeof b.action_id === 'string' &&
  b.action_id.length <= SLACK_ACCEPTS.actionId &&
  (b.value === undefined || (typeof b.value === 'string' && b.value.length <= SLACK_ACCEPTS.buttonValue));


/** Slack's error for a payload it refuses ("invalid_blocks" or "msg_too_long"), or null when it takes it. */
export function slackRejection(body: { text?: unknown; blocks?: unknown }): string | null {
  if (body.blocks === undefined) {
    return typeof body.text === 'string' && body.text !== '' ? null : 'no_text';
  }
  if (!Array.isArray(body.blocks) || body.blocks.length > SLACK_ACCEPTS.blocks) {
    return 'invalid_blocks';
  }
  let total = 0;
  for (const block of body.blocks as { type?: unknown; text?: TextObject; elements?: (TextObject & Button)[] }[]) {
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
    } else if (block.type === 'actions') {
      // Buttons (https://docs.slack.dev/reference/block-kit/block-elements/button-element): plain_text text, an action_id.
      if (!Array.isArray(block.elements) || block.elements.length === 0 || block.elements.length > SLACK_ACCEPTS.actionsElements || !block.elements.every(validButton)) {
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
