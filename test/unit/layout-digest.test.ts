import { describe, expect, it } from '@jest/globals';
import { buildDigest, lastUsedText, PORTAL_URL, SLACK_LIMITS, type Block, type SlackMessage } from '../../src/slack/build-digest.js';
import { slackText } from '../../src/slack/slack-text.js';
import { finding } from '../support/findings.js';
import { NOW } from '../support/tokens.js';
import type { Finding } from '../../src/core/finding.js';

const omitted = { muted: 0, belowMinSeverity: 0, minSeverity: 'low' as const };
const digest = (findings: Finding[], extra: Partial<Parameters<typeof buildDigest>[0]> = {}) =>
  buildDigest({ now: NOW, sections: [{ title: null, findings }], omitted, ...extra });
const texts = (m: SlackMessage) =>
  m.blocks.flatMap((b: Block) => (b.type === 'section' ? [b.text.text] : b.type === 'context' ? b.elements.map((e) => e.text) : []));

function assertWithinLimits(messages: SlackMessage[]) {
  for (const m of messages) {
    expect(m.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    expect(m.text.length).toBeGreaterThan(0);
    for (const b of m.blocks) {
      if (b.type === 'header') {
        expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
      }
      if (b.type === 'section') {
        expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      }
    }
  }
}

describe('buildDigest', () => {
  it('shows each finding with everything the team needs', () => {
    const [m] = digest([finding(116, 'stale', 'high', { lastUsage: new Date(NOW.getTime() - 214 * 86_400_000).toISOString(), expDate: '2027-03-01T00:00:00.000Z' })]);
    const text = texts(m as SlackMessage).join('\n');
    expect(text).toContain('*HIGH* · `stale` · *token-116* (token 116)');
    expect(text).toContain('Account 456 · Role Users · Owner platform-team');
    expect(text).toContain('Issuer John Doe (john@example.com)');
    expect(text).toContain('Created 2026-01-01 · Last used 214 days ago · Expires 2027-03-01');
    expect(text).toContain('Not used for 212 days');
    expect(text).toContain('Confirm with the owner');
    expect(text).toContain(`<${PORTAL_URL}|`);
    expect(m?.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Gcore token audit: 1 high' } });
    expect(m?.text).toBe('Gcore token audit: 1 high');
  });

  it('says "never" for tokens never used and never expiring', () => {
    const [m] = digest([finding(1, 'never-used', 'medium', { lastUsage: null, expDate: null })]);
    expect(texts(m as SlackMessage).join()).toContain('Last used never · Expires never');
    expect(lastUsedText(NOW.toISOString(), NOW)).toBe('today');
  });

  it('counts severities in the header, most severe first', () => {
    const [m] = digest([finding(1, 'stale', 'medium'), finding(2, 'never-expiring-admin', 'critical'), finding(3, 'stale', 'medium')]);
    expect(m?.text).toBe('Gcore token audit: 1 critical · 2 medium');
  });

  it('counts what it leaves out in the footer', () => {
    const [m] = digest([finding(1)], { omitted: { muted: 2, belowMinSeverity: 3, minSeverity: 'medium' } });
    expect(texts(m as SlackMessage).at(-1)).toContain('Not shown: 2 muted, 3 below medium.');
  });

  it('splits at 50 blocks, in order, numbered', () => {
    const short = { tokenName: 't', owner: null, issuer: null, created: null, message: 'm', remediation: 'r' };
    const many = Array.from({ length: 120 }, (_, i) => finding(i + 1, 'stale', 'medium', short));
    const messages = digest(many);
    expect(messages.map((m) => m.blocks.length)).toEqual([50, 50, 26]);
    assertWithinLimits(messages);
    expect(messages.map((m) => m.text)).toEqual([
      'Gcore token audit: 120 medium (1/3)',
      'Gcore token audit: 120 medium (2/3)',
      'Gcore token audit: 120 medium (3/3)',
    ]);
    const order = messages.flatMap((m) => texts(m).filter((t) => t.startsWith('*MEDIUM*')).map((t) => Number(/\(token (\d+)\)/.exec(t)?.[1])));
    expect(order).toEqual(many.map((f) => f.tokenId));
    expect(messages.every((m) => m.blocks.at(-1)?.type === 'context')).toBe(true);
  });

  it('keeps each section under 3000 characters and each message under the character budget', () => {
    const huge = 'é<&>*'.repeat(2000);
    const many = Array.from({ length: 60 }, (_, i) =>
      finding(i + 1, 'stale', 'medium', { tokenName: huge, owner: huge, issuer: { userId: 1, name: huge, email: huge, deleted: true }, message: huge }),
    );
    const messages = digest(many);
    assertWithinLimits(messages);
    for (const m of messages) {
      expect(texts(m).join('').length).toBeLessThanOrEqual(12_000);
    }
    const shown = messages.flatMap((m) => texts(m).filter((t) => t.startsWith('*MEDIUM*')));
    expect(shown.length).toBe(60);
  });

  it('puts a section title before its findings and a coverage section first', () => {
    const [m] = buildDigest({
      now: NOW,
      sections: [
        { title: 'New', findings: [finding(1)] },
        { title: 'Resolved', findings: [finding(2)] },
      ],
      omitted,
      coverage: ['account 789: could not list tokens'],
    });
    const t = texts(m as SlackMessage);
    expect(t[0]).toContain('*Coverage');
    expect(t[0]).toContain('account 789: could not list tokens');
    expect(t[1]).toBe('*New* (1)');
    expect(t[3]).toBe('*Resolved* (1)');
    expect(m?.text).toBe('Gcore token audit: 1 medium');
  });
});

describe('escaping untrusted text', () => {
  it.each([
    ['<!channel>', '&lt;!channel&gt;'],
    ['<!here> ping', '&lt;!here&gt; ping'],
    ['<https://evil.example|click>', '&lt;https://evil.example|click&gt;'],
    ['<@U123>', '&lt;@U123&gt;'],
    ['a & b', 'a &amp; b'],
  ])('%s can neither ping nor link', (raw, escaped) => {
    expect(slackText(raw)).toBe(escaped);
    const [m] = digest([finding(1, 'stale', 'medium', { tokenName: raw, owner: raw })]);
    const all = JSON.stringify(m?.blocks);
    expect(all).not.toContain(raw);
    expect(all).not.toMatch(/<(!|@|#|https?:\/\/evil)/);
  });

  it('keeps formatting characters literal and the text on one line', () => {
    expect(slackText('*bold* `code`\n_x_ ~y~')).toBe('\u200B*\u200Bbold\u200B*\u200B \u200B`\u200Bcode\u200B`\u200B \u200B_\u200Bx\u200B_\u200B \u200B~\u200By\u200B~\u200B');
  });

  it('bounds the length before escaping, so entities are never cut', () => {
    const out = slackText('<'.repeat(500), 10);
    expect(out).toBe(`${'&lt;'.repeat(9)}…`);
  });
});
