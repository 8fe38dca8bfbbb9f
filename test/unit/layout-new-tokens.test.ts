import { describe, expect, it } from '@jest/globals';
import { NEW_TOKENS_PER_MESSAGE, type NewTokenAlert, type NewTokenEntry } from '../../src/alerts/plan-sentinel.js';
import type { Severity } from '../../src/core/severity.js';
import { layoutNewTokens } from '../../src/alerts/slack/layout-new-tokens.js';
import { quarantineLine } from '../../src/core/quarantine.js';
import { MESSAGE_CHAR_BUDGET, type SlackMessage } from '../../src/alerts/slack/slack-message.js';
import { expectWithinSlackLimits, textObjects } from '../support/estate.js';

const newToken = (overrides: Partial<NewTokenEntry> = {}): NewTokenEntry => ({
  clientId: 456,
  accountName: 'prod',
  tokenId: 116,
  tokenName: 'ci-deploy',
  issuer: 'John Doe <john@example.com>',
  role: 'Administrators',
  created: '2026-11-02T09:41:27.000Z',
  expDate: '2027-03-01T00:00:00.000Z',
  severity: 'critical',
  rules: [{ rule: 'never-expiring-admin', severity: 'critical', message: 'Administrators token that never expires.' }],
  ...overrides,
});

const alert = (entries: NewTokenEntry[], left = 0): NewTokenAlert => ({ route: 'default', entries, left });
const tokens = (count: number) => Array.from({ length: count }, (_, i) => newToken({ tokenId: i + 1, tokenName: `t${i + 1}` }));

/** The text of the one plain_text section that tells a token. */
const sectionText = (m: SlackMessage | undefined, index = 0) => textObjects(m as SlackMessage).filter((t) => t.block === 'section')[index]?.text;
/** The context line closing a message: what the sentinel notes about the alert. */
const notes = (m: SlackMessage | undefined) => textObjects(m as SlackMessage).find((t) => t.block === 'context')?.text;
const SENTINEL_NOTE = 'Found by the sentinel between runs; the next run’s digest will not repeat it.';

describe('layoutNewTokens', () => {
  it('tells one new token as a header, a plain-text section of three lines and the sentinel note', () => {
    expect(layoutNewTokens(alert([newToken()]))).toEqual([
      {
        text: 'New token: ci-deploy (token 116) · prod (456) · never-expiring-admin',
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: '🚨 New token' } },
          {
            type: 'section',
            text: {
              type: 'plain_text',
              emoji: true,
              text: [
                '🔴 ci-deploy (token 116) · prod (456)',
                'Administrators · issued by John Doe &lt;john@example.com&gt; · created 2026-11-02 09:41 UTC · expires 2027-03-01',
                'never-expiring-admin (critical): Administrators token that never expires.',
              ].join('\n'),
            },
          },
          { type: 'context', elements: [{ type: 'mrkdwn', verbatim: true, text: SENTINEL_NOTE }] },
        ],
      },
    ]);
  });

  it.each<[Severity, string]>([
    ['critical', '🔴'],
    ['high', '🟠'],
    ['medium', '🟡'],
    ['low', '🔵'],
    ['info', '⚪'],
  ])('marks a token whose worst finding is %s with %s', (severity, icon) => {
    const [m] = layoutNewTokens(alert([newToken({ severity })]));
    expect(sectionText(m)?.split('\n')[0]).toBe(`${icon} ci-deploy (token 116) · prod (456)`);
  });

  it('names a token without a name by its id, and an account without a name by its client id, in the section and the fallback', () => {
    const [m] = layoutNewTokens(alert([newToken({ tokenName: null, accountName: null })]));
    expect(sectionText(m)?.split('\n')[0]).toBe('🔴 token 116 (token 116) · account 456');
    expect(m?.text).toBe('New token: token 116 (token 116) · account 456 · never-expiring-admin');
  });

  it('says "role unknown" and "issuer unknown", leaves out the creation date it lacks, and says "expires never"', () => {
    const [m] = layoutNewTokens(alert([newToken({ role: null, issuer: null, created: null, expDate: null })]));
    expect(sectionText(m)?.split('\n')[1]).toBe('role unknown · issuer unknown · expires never');
  });

  it('lists every rule a token breaks with its severity and message, and names the rules in the fallback', () => {
    const rules: NewTokenEntry['rules'] = [
      { rule: 'never-expiring-admin', severity: 'critical', message: 'Administrators token that never expires.' },
      { rule: 'never-used', severity: 'low', message: 'Never used since it was issued 3 days ago.' },
    ];
    const [m] = layoutNewTokens(alert([newToken({ rules })]));
    expect(sectionText(m)?.split('\n')[2]).toBe(
      'never-expiring-admin (critical): Administrators token that never expires. · never-used (low): Never used since it was issued 3 days ago.',
    );
    expect(m?.text).toBe('New token: ci-deploy (token 116) · prod (456) · never-expiring-admin, never-used');
  });

  it('keeps text written by the token creator inert: escaped, on one line, cut to length', () => {
    const [m] = layoutNewTokens(alert([newToken({ tokenName: '<!channel>\nrotate', issuer: 'x'.repeat(200), role: 'r'.repeat(50), accountName: 'a'.repeat(70) })]));
    const [first, second] = (sectionText(m) ?? '').split('\n');
    expect(first).toBe(`🔴 &lt;!channel&gt; rotate (token 116) · ${'a'.repeat(59)}… (456)`);
    expect(second).toBe(`${'r'.repeat(39)}… · issued by ${'x'.repeat(119)}… · created 2026-11-02 09:41 UTC · expires 2027-03-01`);
    expect(m?.text).toBe(`New token: &lt;!channel&gt; rotate (token 116) · ${'a'.repeat(59)}… (456) · never-expiring-admin`);
  });

  it('fits ten never-expiring admin tokens named `&`, with `&` issuer, role and account, once escaped (issue 23)', () => {
    const amp = '&'.repeat(300);
    const entries = Array.from({ length: NEW_TOKENS_PER_MESSAGE }, (_, i) =>
      newToken({ tokenId: i + 1, tokenName: amp, issuer: amp, role: amp, accountName: amp, expDate: null }),
    );
    const messages = layoutNewTokens(alert(entries, 7));
    expect(messages).toHaveLength(1);
    expectWithinSlackLimits(messages);
    const [m] = messages;
    const sections = textObjects(m as SlackMessage).filter((t) => t.block === 'section');
    expect(sections.map((t) => Number(/\(token (\d+)\)/.exec(t.text)?.[1]))).toEqual(entries.map((e) => e.tokenId));
    for (const t of sections) {
      const lines = t.text.split('\n');
      expect(lines).toHaveLength(3);
      // every field is there, cut after escaping, and never in the middle of an entity
      expect(lines[0]).toMatch(/^🔴 (&amp;)+… \(token \d+\) · (&amp;)+… \(456\)$/);
      expect(lines[1]).toMatch(/^(&amp;)+… · issued by (&amp;)+… · created 2026-11-02 09:41 UTC · expires never$/);
      expect(lines[2]).toBe('never-expiring-admin (critical): Administrators token that never expires.');
    }
    expect(notes(m)).toContain('7 more new tokens wait');
  });

  it('gives a quarantined token its deadline line before its rules, within the entry\'s room: ten worst-case tokens still fit whole', () => {
    const line = quarantineLine('r-1a2b3c4d', new Date('2026-12-05T09:00:00.000Z'), true);
    const rules: NewTokenEntry['rules'] = (['never-expiring-admin', 'stale', 'orphaned', 'not-in-inventory', 'never-used', 'audit-failed', 'coverage-gap'] as const).map((rule) => ({
      rule,
      severity: 'critical',
      message: `${'<&>'.repeat(100)} end`,
    }));
    const amp = '&'.repeat(300);
    const entries = Array.from({ length: NEW_TOKENS_PER_MESSAGE }, (_, i) =>
      newToken({ tokenId: i + 1, tokenName: amp, issuer: amp, role: amp, accountName: amp, rules, quarantine: line }),
    );
    const messages = layoutNewTokens(alert(entries, 3));
    expect(messages).toHaveLength(1);
    expectWithinSlackLimits(messages);
    const sections = textObjects(messages[0] as SlackMessage).filter((t) => t.block === 'section');
    expect(sections).toHaveLength(NEW_TOKENS_PER_MESSAGE);
    // The line takes the rules' room, not more: the whole message stays within our character budget.
    expect(textObjects(messages[0] as SlackMessage).reduce((sum, t) => sum + t.text.length, 0)).toBeLessThanOrEqual(MESSAGE_CHAR_BUDGET);
    for (const t of sections) {
      const lines = t.text.split('\n');
      expect(lines).toHaveLength(4);
      expect(lines[2]).toBe(`⏳ ${line}`);
      const parts = (lines[3] ?? '').split(' · ');
      expect(parts.map((p) => p.split(' (')[0])).toEqual(rules.map((r) => r.rule));
      // Each rule cut to the same share by the layout itself (give or take an entity not split): nothing was cut
      // after it, as fitMessage would cut the end of an entry over its room.
      const lengths = parts.map((p) => p.length);
      expect(Math.max(...lengths) - Math.min(...lengths)).toBeLessThanOrEqual(5);
    }
    expect(notes(messages[0])).toContain('3 more new tokens wait');
  });

  it('names every rule of a token whose rule messages are long, each message cut to a share of the room', () => {
    const message = `${'<&>'.repeat(100)} end`;
    const rules: NewTokenEntry['rules'] = (['never-expiring-admin', 'stale', 'orphaned', 'not-in-inventory', 'never-used', 'audit-failed', 'coverage-gap'] as const).map((rule) => ({
      rule,
      severity: 'high',
      message,
    }));
    const entries = Array.from({ length: NEW_TOKENS_PER_MESSAGE }, (_, i) => newToken({ tokenId: i + 1, tokenName: '&'.repeat(100), issuer: '>'.repeat(200), rules }));
    const messages = layoutNewTokens(alert(entries));
    expectWithinSlackLimits(messages);
    for (const t of textObjects(messages[0] as SlackMessage).filter((x) => x.block === 'section')) {
      const parts = (t.text.split('\n')[2] ?? '').split(' · ');
      expect(parts.map((p) => p.split(' (')[0])).toEqual(rules.map((r) => r.rule));
      expect(parts.every((p) => /^[a-z-]+ \(high\): (&lt;&amp;&gt;)*(&lt;|&amp;|&gt;)*…$/.test(p))).toBe(true);
    }
  });

  it('keeps a short rule line whole', () => {
    const [m] = layoutNewTokens(alert([newToken({ tokenName: '&'.repeat(300), issuer: '&'.repeat(300) })]));
    expect(sectionText(m)?.split('\n')[2]).toBe('never-expiring-admin (critical): Administrators token that never expires.');
  });

  it('counts the tokens in the title and the fallback names the first and how many more', () => {
    const messages = layoutNewTokens(alert(tokens(3)));
    expect(messages).toHaveLength(1);
    const m = messages[0];
    expect(m?.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '🚨 3 new tokens' } });
    expect(m?.text).toBe('3 new tokens: t1 (token 1) · prod (456) · never-expiring-admin and 2 more');
    expect(m?.blocks.filter((b) => b.type === 'section')).toHaveLength(3);
    expect(notes(m)).toBe(SENTINEL_NOTE);
  });

  it(`fits exactly ${NEW_TOKENS_PER_MESSAGE} tokens in one message, without part numbers`, () => {
    const messages = layoutNewTokens(alert(tokens(NEW_TOKENS_PER_MESSAGE)));
    expect(messages).toHaveLength(1);
    expect(messages[0]?.blocks.filter((b) => b.type === 'section')).toHaveLength(NEW_TOKENS_PER_MESSAGE);
    expect(notes(messages[0])).toBe(SENTINEL_NOTE);
  });

  it(`splits more than ${NEW_TOKENS_PER_MESSAGE} tokens into numbered parts, the header on the first only, every token once in order`, () => {
    const entries = tokens(2 * NEW_TOKENS_PER_MESSAGE + 1);
    const messages = layoutNewTokens(alert(entries));
    expect(messages).toHaveLength(3);
    expectWithinSlackLimits(messages);
    expect(messages.map((m) => m.blocks.filter((b) => b.type === 'header').length)).toEqual([1, 0, 0]);
    expect(messages.map((m) => m.blocks.filter((b) => b.type === 'section').length)).toEqual([10, 10, 1]);
    expect(messages.map(notes)).toEqual([`${SENTINEL_NOTE} Part 1 of 3.`, `${SENTINEL_NOTE} Part 2 of 3.`, `${SENTINEL_NOTE} Part 3 of 3.`]);
    expect(messages.map((m) => m.text)).toEqual([
      '21 new tokens: t1 (token 1) · prod (456) · never-expiring-admin and 9 more',
      '21 new tokens: t11 (token 11) · prod (456) · never-expiring-admin and 9 more',
      '21 new tokens: t21 (token 21) · prod (456) · never-expiring-admin',
    ]);
    const ids = messages.flatMap((m) => textObjects(m).filter((t) => t.block === 'section').map((t) => Number(/\(token (\d+)\)/.exec(t.text)?.[1])));
    expect(ids).toEqual(entries.map((e) => e.tokenId));
  });

  it('tells on the last message how many new tokens the budget left for the next digest, and which command lists them all', () => {
    const messages = layoutNewTokens(alert(tokens(NEW_TOKENS_PER_MESSAGE + 1), 3));
    expect(messages.map(notes)).toEqual([
      `${SENTINEL_NOTE} Part 1 of 2.`,
      `${SENTINEL_NOTE} 3 more new tokens wait for the next run’s digest (\`gcore-token-audit findings\` lists every finding). Part 2 of 2.`,
    ]);
  });

  it('tells of the tokens left when a full single message is the last one', () => {
    const [m] = layoutNewTokens(alert(tokens(NEW_TOKENS_PER_MESSAGE), 2));
    expect(notes(m)).toBe(`${SENTINEL_NOTE} 2 more new tokens wait for the next run’s digest (\`gcore-token-audit findings\` lists every finding).`);
  });

  it('says "1 more new token waits" in the singular', () => {
    const [m] = layoutNewTokens(alert([newToken()], 1));
    expect(notes(m)).toBe(`${SENTINEL_NOTE} 1 more new token waits for the next run’s digest (\`gcore-token-audit findings\` lists every finding).`);
  });

  it('posts nothing for an alert without tokens', () => {
    expect(layoutNewTokens(alert([], 0))).toEqual([]);
  });
});
