import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { buildDigest, PORTAL_URL, SLACK_LIMITS, type SlackMessage } from '../../src/slack/build-digest.js';
import { finding } from '../support/findings.js';
import { NOW } from '../support/tokens.js';

const hostile = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.constantFrom('<!channel>', '<!here>', '<!everyone>', '<@U024BE7LH>', '<#C024BE7LR>', '<https://evil.example|click>',
    '<mailto:x@evil.example|mail>', '*bold*', '_it_', '~strike~', '`code`', '```block```', '&lt;!channel&gt;', '&amp;', '\n\n> quote',
    'a'.repeat(5000), '🚀'.repeat(2000), '\u202eevil', '<<<>>>&&&'),
  fc.array(fc.constantFrom('<', '>', '&', '!', '@', '|', '*', '`', 'http://x', ' ', '\n'), { maxLength: 200 }).map((a) => a.join('')),
);

function assertSafe(messages: SlackMessage[], count: number) {
  let shown = 0;
  for (const m of messages) {
    expect(m.text.length).toBeGreaterThan(0);
    expect(m.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    const ours = (t: string) => t.replace(`<${PORTAL_URL}|Manage API tokens in the Gcore portal>`, '');
    for (const b of m.blocks) {
      const texts = b.type === 'header' ? [b.text.text] : b.type === 'section' ? [b.text.text] : b.type === 'context' ? b.elements.map((e) => e.text) : [];
      for (const t of texts) {
        expect(t.length).toBeLessThanOrEqual(b.type === 'header' ? SLACK_LIMITS.headerText : SLACK_LIMITS.sectionText);
        // Our portal link is the only `<...>` construct Slack may act on: no mention, no link of theirs.
        expect(ours(t).includes('<')).toBe(false);
        expect(ours(t).includes('>')).toBe(false);
        if (b.type === 'section' && t.includes('(token ')) {
          shown += 1;
          expect(t.split('\n').length).toBeLessThanOrEqual(7); // untrusted text cannot add lines
        }
      }
    }
  }
  expect(shown).toBe(count);
}

describe('fuzz: Slack digest with hostile token text', () => {
  it('stays inert and within Slack limits whatever the names, owners and issuers say', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(hostile, hostile, hostile, hostile), { minLength: 1, maxLength: 70 }), (rows) => {
        const findings = rows.map(([name, owner, issuer, email], i) =>
          finding(i + 1, 'stale', 'high', { tokenName: name, owner, issuer: { userId: 1, name: issuer, email, deleted: false } }),
        );
        assertSafe(buildDigest({ now: NOW, sections: [{ title: 'New', findings }], omitted: { muted: 0, belowMinSeverity: 0, minSeverity: 'low' }, coverage: [rows[0]?.[0] ?? ''] }), findings.length);
      }),
      { numRuns: 150, seed: 99 },
    );
  });
});
