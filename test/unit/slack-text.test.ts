import { describe, expect, it } from '@jest/globals';
import { escapeSlack, fitText, slackText } from '../../src/alerts/slack/slack-text.js';

describe('slackText', () => {
  it('escapes every &, < and >, not only the first', () => {
    expect(slackText('a<b<c>d>e&f&g')).toBe('a&lt;b&lt;c&gt;d&gt;e&amp;f&amp;g');
    expect(escapeSlack('<<>>&&')).toBe('&lt;&lt;&gt;&gt;&amp;&amp;');
    expect(slackText('<!channel> & <@U1>')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt;');
    expect(escapeSlack('a&b')).toBe('a&amp;b');
  });

  it('turns every invisible or reordering character into one space, and runs of space into one', () => {
    expect(slackText('a\u0000\u001fb\u007f\u009fc\u00add\u061ce\u180ef\u2028g\u2060h\u2069i')).toBe('a b c d e f g h i');
    expect(slackText('a \t\n\r  b')).toBe('a b');
    expect(slackText('  padded  ')).toBe('padded');
    expect(slackText('\u200b\u200b')).toBe('');
    expect(slackText('a\u202Eb\u200Bc\u200Dd\u2066e\uFEFFf\u0007g')).toBe('a b c d e f g');
    expect(slackText('exp_date *x* `y`\n~z~')).toBe('exp_date *x* `y` ~z~');
  });

  it('keeps visible text, accents and emoji as they are', () => {
    expect(slackText('Ünïcødé ✓ 😀 ~ * _ `')).toBe('Ünïcødé ✓ 😀 ~ * _ `');
  });

  it('is at most 150 characters by default, as String.length and Slack count them (an emoji is two), cut with an ellipsis', () => {
    expect(slackText('x'.repeat(150))).toBe('x'.repeat(150));
    expect(slackText('x'.repeat(151))).toBe(`${'x'.repeat(149)}…`);
    expect(slackText('😀'.repeat(75))).toBe('😀'.repeat(75));
    expect(slackText('😀'.repeat(76))).toBe(`${'😀'.repeat(74)}…`);
  });

  it('never leaves half an emoji at the cut', () => {
    // 149 units of room: 74 emoji and the high half of the 75th, which must go
    expect(slackText('😀'.repeat(100))).toBe(`${'😀'.repeat(74)}…`);
    expect(slackText(`x${'😀'.repeat(100)}`)).toBe(`x${'😀'.repeat(74)}…`);
  });

  it('cuts to a given maximum after escaping: the bound is what is posted', () => {
    expect(slackText('abcdef', 6)).toBe('abcdef');
    expect(slackText('abcdefg', 6)).toBe('abcde…');
    expect(slackText('&&', 10)).toBe('&amp;&amp;');
    expect(slackText('&&&', 10)).toBe('&amp;…');
    expect(slackText('<<<<<<<', 9)).toBe('&lt;&lt;…');
    expect(slackText('<'.repeat(500), 10)).toBe('&lt;&lt;…');
    for (const max of [1, 2, 5, 40, 80, 150]) {
      expect(slackText('&'.repeat(max), max).length).toBeLessThanOrEqual(max);
      expect(slackText('<a>&'.repeat(max), max).length).toBeLessThanOrEqual(max);
    }
  });
});

describe('fitText', () => {
  it('leaves text of at most max characters alone', () => {
    expect(fitText('abcdef', 6)).toBe('abcdef');
    expect(fitText('', 6)).toBe('');
  });

  it('cuts longer text to max characters, the ellipsis included', () => {
    expect(fitText('abcdefghij', 8)).toBe('abcdefg…');
    expect(fitText('abcdefghij', 8)).toHaveLength(8);
    expect(fitText('abcde', 4)).toBe('abc…'); // no entity: nothing more is dropped
  });

  it('never leaves half an escape entity, at any cut inside one', () => {
    const text = 'hello &amp; world';
    for (let max = 7; max <= 11; max += 1) {
      expect(fitText(text, max)).toBe('hello …');
    }
    expect(fitText(text, 12)).toBe('hello &amp;…');
    expect(fitText('x &lt;y', 5)).toBe('x …');
    expect(fitText('abc&amp;def', 6)).toBe('abc…');
  });

  it('keeps a whole entity, and an ampersand too far back to begin a cut entity', () => {
    expect(fitText('a &gt; b and more', 8)).toBe('a &gt; …');
    expect(fitText('&abcdefgh', 7)).toBe('&abcde…');
    expect(fitText('&abcdefgh', 6)).toBe('…');
    // A `;` before the last ampersand does not close the entity it begins.
    expect(fitText('a;b &amp; c', 8)).toBe('a;b …');
  });

  it('never splits one of our links or an emoji', () => {
    const link = 'run 1 · <https://portal.gcore.com/x|Manage API tokens>';
    for (let max = 9; max < link.length; max += 1) {
      expect(fitText(link, max)).toBe('run 1 · …');
    }
    expect(fitText(`${link}!`, link.length + 1)).toBe(`${link}!`);
    expect(fitText(`${link}and more`, link.length + 2)).toBe(`${link}a…`);
    expect(fitText('ab😀cd', 4)).toBe('ab…');
    expect(fitText('ab😀cd', 5)).toBe('ab😀…');
  });
});
