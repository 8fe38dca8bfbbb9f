import { describe, expect, it } from '@jest/globals';
import { FALLBACK_TEXT_MAX, fitMessage, messageChars } from '../../src/alerts/slack/fit-message.js';
import { MESSAGE_CHAR_BUDGET, SLACK_LIMITS, type Block, type SlackMessage } from '../../src/alerts/slack/slack-message.js';
import { expectWithinSlackLimits, textObjects } from '../support/estate.js';

const header = (text: string): Block => ({ type: 'header', text: { type: 'plain_text', text } });
const section = (text: string): Block => ({ type: 'section', text: { type: 'plain_text', text, emoji: true } });
const context = (...texts: string[]): Block => ({ type: 'context', elements: texts.map((text) => ({ type: 'mrkdwn', text, verbatim: true })) });
const message = (...blocks: Block[]): SlackMessage => ({ text: 'fallback', blocks });
const amps = (n: number) => '&amp;'.repeat(n);

describe('fitMessage', () => {
  it('leaves a message within every limit as it is', () => {
    const m = message(header('Title'), section('a'.repeat(SLACK_LIMITS.sectionText)), { type: 'divider' }, context('b'.repeat(SLACK_LIMITS.contextText)));
    expect(fitMessage(m)).toEqual(m);
  });

  it('counts the characters of every text object, escaped as posted', () => {
    expect(messageChars(message(header('abc'), section(amps(2)), { type: 'divider' }, context('x', 'yz')))).toBe(3 + 10 + 3);
  });

  it('keeps the first 49 blocks and the last (the closing notes) of a message of more than 50', () => {
    const blocks = Array.from({ length: 60 }, (_, i) => section(`s${i}`));
    const fitted = fitMessage(message(...blocks));
    expect(fitted.blocks).toHaveLength(SLACK_LIMITS.blocks);
    expect(fitted.blocks).toEqual([...blocks.slice(0, 49), blocks[59]]);
  });

  it('cuts each block to its own limit without splitting an entity, and a context to 10 elements', () => {
    const fitted = fitMessage(message(header(amps(40)), section(amps(700)), context(amps(500), ...Array.from({ length: 11 }, () => amps(50)))));
    expectWithinSlackLimits([fitted]);
    const [h, s, c] = textObjects(fitted);
    expect(h?.text).toBe(`${amps(29)}…`);
    expect(s?.text).toBe(`${amps(599)}…`);
    expect(c?.text).toBe(`${amps(399)}…`);
    expect(fitted.blocks[2]?.type === 'context' && fitted.blocks[2].elements.map((e) => e.text)).toEqual([`${amps(399)}…`, ...Array.from({ length: 9 }, () => amps(50))]);
  });

  it('brings the text of a message over the budget within it, cutting the longest texts first and leaving short ones whole', () => {
    const long = Array.from({ length: 5 }, () => section(amps(580)));
    const fitted = fitMessage(message(header('Title'), ...long, context('footer')));
    expect(messageChars(fitted)).toBeLessThanOrEqual(MESSAGE_CHAR_BUDGET);
    expect(messageChars(fitted)).toBeGreaterThan(MESSAGE_CHAR_BUDGET - 5 * 5); // cut only as far as needed, entities whole
    expectWithinSlackLimits([fitted]);
    const texts = textObjects(fitted).map((t) => t.text);
    expect(texts[0]).toBe('Title');
    expect(texts[texts.length - 1]).toBe('footer');
    for (const t of texts.slice(1, -1)) {
      expect(t).toMatch(/^(&amp;)+…$/);
      expect(t.length).toBe(texts[1]?.length);
    }
  });

  it('cuts the fallback text, which Slack shows in notifications', () => {
    const fitted = fitMessage({ text: amps(1000), blocks: [section('x')] });
    expect(fitted.text.length).toBeLessThanOrEqual(FALLBACK_TEXT_MAX);
    expect(fitted.text).toBe(`${amps(599)}…`);
  });
});
