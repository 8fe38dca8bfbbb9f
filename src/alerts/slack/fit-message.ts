import { MESSAGE_CHAR_BUDGET, SLACK_LIMITS, type Block, type SlackMessage, type TextObject } from './slack-message.js';
import { fitText } from './slack-text.js';

// The one place a payload is measured before it is posted. Layouts keep within the limits by design (they cut
// each field after escaping and page their blocks); this is what holds when a design's sums are wrong, or a
// layout added later forgets: Slack refuses an oversized message with a 400 every time, so it would never be
// delivered. Cutting text here loses the end of the longest texts, which beats losing the whole message.

/** Slack ignores the fallback `text` when blocks are given, but shows it in notifications: one long line at most. */
export const FALLBACK_TEXT_MAX = 3000;

/** Every text object of a block, in order. */
function texts(b: Block): TextObject[] {
  switch (b.type) {
    case 'header':
    case 'section':
      return [b.text];
    case 'context':
      return b.elements;
    case 'divider':
    case 'actions':
      // A button's label is ours and a few words: never what makes a message too long.
      return [];
  }
}

/** Characters of text a message's blocks carry, escaped as posted: what Slack's aggregate limit counts. */
export function messageChars(m: Pick<SlackMessage, 'blocks'>): number {
  return m.blocks.flatMap(texts).reduce((sum, t) => sum + t.text.length, 0);
}

/** The block with each of its texts cut to `max` characters, and a context to its 10 elements. */
function cutBlock(b: Block, max: number): Block {
  switch (b.type) {
    case 'header':
      return { ...b, text: { ...b.text, text: fitText(b.text.text, max) } };
    case 'section':
      return { ...b, text: { ...b.text, text: fitText(b.text.text, max) } };
    case 'context':
      return { ...b, elements: b.elements.slice(0, SLACK_LIMITS.contextElements).map((e) => ({ ...e, text: fitText(e.text, max) })) };
    case 'divider':
    case 'actions':
      return b;
  }
}

const LIMIT: Record<Block['type'], number> = {
  header: SLACK_LIMITS.headerText,
  section: SLACK_LIMITS.sectionText,
  context: SLACK_LIMITS.contextText,
  divider: 0,
  actions: 0,
};

/** The largest cap that, applied to every text, brings their sum within `budget` (texts under it are left whole). */
function capFor(lengths: readonly number[], budget: number): number {
  let low = 1;
  let high = Math.max(...lengths);
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (lengths.reduce((s, n) => s + Math.min(n, mid), 0) <= budget) {
      low = mid;
    } else {
      high = mid - 1;
    }
  }
  return low;
}

/**
 * A message as Slack accepts it, measured after escaping: at most 50 blocks (the first 49 and the last, which
 * closes every layout with its notes), each block within its limits, and at most MESSAGE_CHAR_BUDGET characters
 * of text in all, the longest texts cut first. A message already within them comes back equal.
 */
export function fitMessage(m: SlackMessage): SlackMessage {
  const kept = m.blocks.length > SLACK_LIMITS.blocks ? [...m.blocks.slice(0, SLACK_LIMITS.blocks - 1), m.blocks[m.blocks.length - 1] as Block] : m.blocks;
  let blocks = kept.map((b) => cutBlock(b, LIMIT[b.type]));
  const lengths = blocks.flatMap(texts).map((t) => t.text.length);
  if (lengths.reduce((s, n) => s + n, 0) > MESSAGE_CHAR_BUDGET) {
    const cap = capFor(lengths, MESSAGE_CHAR_BUDGET);
    blocks = blocks.map((b) => cutBlock(b, cap));
  }
  return { text: fitText(m.text, FALLBACK_TEXT_MAX), blocks };
}
