import { describe, expect, it } from '@jest/globals';
import type { Digest, DigestSection, RuleGroup, RuleRollup, TokenEntry } from '../../src/alerts/digest.js';
import { RULE_IDS } from '../../src/core/rule-catalog.js';
import { lastUsedText, layoutDigest } from '../../src/alerts/slack/layout-digest.js';
import { previewJson, previewMessages } from '../../src/alerts/slack/preview-messages.js';
import { MESSAGE_CHAR_BUDGET, PORTAL_URL, SLACK_LIMITS, type Block, type SlackMessage } from '../../src/alerts/slack/slack-message.js';
import { expectWithinSlackLimits, plainText, textObjects } from '../support/estate.js';
import { NOW, daysBefore } from '../support/tokens.js';

const entry = (overrides: Partial<TokenEntry> = {}): TokenEntry => ({
  clientId: 456,
  accountName: 'prod',
  tokenId: 116,
  tokenName: 'ci-deploy',
  role: 'Administrators',
  owner: 'ops@example.com',
  lastUsage: daysBefore(214).toISOString(),
  expDate: null,
  read: true,
  severity: 'critical',
  rules: [
    { rule: 'never-expiring-admin', severity: 'critical', message: 'Administrators token that never expires.' },
    { rule: 'stale', severity: 'medium', message: 'Not used for 214 days (limit: 90 days).' },
  ],
  ...overrides,
});

const group = (entries: readonly TokenEntry[], overrides: Partial<RuleGroup> = {}): RuleGroup => ({
  rule: 'never-expiring-admin',
  severity: 'critical',
  count: entries.length,
  remediation: 'Replace it, then delete this one.',
  entries,
  rest: null,
  ...overrides,
});
const fresh = (groups: readonly RuleGroup[], rollups: readonly RuleRollup[] = [], count = 2): DigestSection => ({ kind: 'new', title: 'New', count, groups, rollups });
const rollup = (overrides: Partial<RuleRollup> = {}): RuleRollup => ({
  rule: 'never-used',
  severity: 'low',
  count: 120,
  accounts: [{ clientId: 456, accountName: 'prod', count: 100 }, { clientId: 789, accountName: null, count: 20 }],
  moreAccounts: 0,
  examples: [],
  command: 'gcore-token-audit findings --rule never-used',
  ...overrides,
});

const digest = (overrides: Partial<Digest> = {}): Digest => ({
  headline: '1 new · 0 resolved · 2 open (1 critical, 0 high)',
  sections: [fresh([group([entry()])])],
  context: 'Run r1 (scheduled) · 3 muted',
  listAll: 'gcore-token-audit findings',
  ...overrides,
});

const all = (messages: readonly SlackMessage[]) => messages.flatMap((m) => textObjects(m).map((t) => t.text)).join('\n');
/** The plain-text sections of a message: what it tells, without its header. */
const bodyText = (m: SlackMessage | undefined) => (m?.blocks ?? []).flatMap((b) => (b.type === 'section' && b.text.type === 'plain_text' ? [b.text.text] : [])).join('\n');
const LINE = '🔴 ci-deploy (token 116) · prod (456) · owner ops@example.com · last used 214 days ago · expires never';

describe('layoutDigest', () => {
  it('tells a token on one line: name, id, account, owner, last used, expiry, and its rules’ sentences', () => {
    const [m] = layoutDigest(digest(), NOW);
    expect(m?.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Gcore token audit: 1 new · 0 resolved · 2 open (1 critical, 0 high)' } });
    expect(m?.text).toBe('Gcore token audit: 1 new · 0 resolved · 2 open (1 critical, 0 high)');
    expect(bodyText(m)).toBe(
      `${LINE} · Administrators token that never expires. · also stale (medium): Not used for 214 days (limit: 90 days).`,
    );
    expect(all([m as SlackMessage])).toContain('*New* (2)'); // the heading counts findings, not tokens
  });

  it('without sentences, names only the token’s other rules', () => {
    const bare = entry({ rules: entry().rules.map((r) => ({ ...r, message: '' })) });
    const [m] = layoutDigest(digest({ sections: [fresh([group([bare])])] }), NOW);
    expect(bodyText(m)).toBe(`${LINE} · also stale (medium)`);
  });

  it('says "not read" for a token it could not read, "owner unknown" without an owner, and names a bare account by its id', () => {
    const [m] = layoutDigest(digest({ sections: [fresh([group([entry({ read: false, owner: null, accountName: null })])])] }), NOW);
    const text = plainText([m as SlackMessage]);
    expect(text).toContain('(token 116) · account 456 · owner unknown · not read · ');
  });

  it('heads each rule group with its token count and what to do, once; the context line with the command for everything and the portal link last', () => {
    const entries = Array.from({ length: 8 }, (_, i) => entry({ tokenId: i + 1, tokenName: `t${i + 1}` }));
    const messages = layoutDigest(digest({ sections: [fresh([group(entries)])] }), NOW);
    expect(messages).toHaveLength(1);
    const m = messages[0] as SlackMessage;
    const mrkdwn = textObjects(m).filter((t) => t.type === 'mrkdwn').map((t) => t.text);
    expect(mrkdwn.filter((t) => t.includes('Replace it, then delete this one.'))).toEqual(['*🔴 never-expiring-admin (critical): 8 tokens*\nWhat to do: Replace it, then delete this one.']);
    expect(m.blocks.at(-1)).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', verbatim: true, text: `Run r1 (scheduled) · 3 muted · Everything: \`gcore-token-audit findings\` · <${PORTAL_URL}|Manage API tokens in the Gcore portal>` }],
    });
  });

  it('rolls up by rule with a count, the count per account, "+N more accounts" and the command that lists it; never a token name', () => {
    const [m] = layoutDigest(digest({ sections: [fresh([], [rollup({ moreAccounts: 3 })], 120)] }), NOW);
    const text = all([m as SlackMessage]);
    expect(text).toContain('*New* (120)');
    expect(text).toContain('*By rule*');
    expect(bodyText(m)).toBe('🔵 never-used (low): 120 — prod (456): 100 · account 789: 20 · +3 more accounts\nList them: gcore-token-audit findings --rule never-used');
  });

  it('gives a roll-up’s example tokens with their ids (an account-level one by its account), so two of one name stay two', () => {
    const examples = [
      { tokenId: 7, tokenName: 'purge-bot', clientId: 456, accountName: 'prod' },
      { tokenId: 8, tokenName: 'purge-bot', clientId: 789, accountName: null },
      { tokenId: null, tokenName: null, clientId: 9, accountName: 'staging' },
    ];
    const [m] = layoutDigest(digest({ sections: [fresh([], [rollup({ count: 3, examples })], 3)] }), NOW);
    expect(bodyText(m).split('\n')[0]).toBe('🔵 never-used (low): 3 — prod (456): 100 · account 789: 20 — e.g. purge-bot (token 7), purge-bot (token 8), staging (9)');
  });

  it('rolls up a group the budget could not name by account, with the command that lists it', () => {
    const rest = { count: 13, accounts: [{ clientId: 456, accountName: 'Production CDN', count: 12 }, { clientId: 7, accountName: 'x', count: 1 }], moreAccounts: 1, command: 'gcore-token-audit findings --rule orphaned' };
    const [m] = layoutDigest(digest({ sections: [fresh([group([entry()], { count: 14, rest })])] }), NOW);
    expect(bodyText(m).split('\n').slice(1)).toEqual([
      'By account (13 more): Production CDN (456): 12 tokens · x (7): 1 token · +1 more account',
      'List them: gcore-token-audit findings --rule orphaned',
    ]);
    const [none] = layoutDigest(digest({ sections: [fresh([group([], { count: 1, rest: { ...rest, count: 1, moreAccounts: 0, accounts: [{ clientId: 456, accountName: null, count: 1 }] } })])] }), NOW);
    expect(bodyText(none)).toBe('By account: account 456: 1 token\nList them: gcore-token-audit findings --rule orphaned');
  });

  it('opens with where the findings are: a line per account and per owner with counts by severity, and how many more', () => {
    const triage: DigestSection = {
      kind: 'triage',
      title: 'Where the new findings are',
      accounts: [
        { clientId: 456, accountName: 'Production CDN', owner: null, counts: [{ severity: 'critical', count: 5 }, { severity: 'medium', count: 19 }] },
        { clientId: 789, accountName: null, owner: null, counts: [{ severity: 'high', count: 1 }] },
      ],
      moreAccounts: 15,
      owners: [{ clientId: null, accountName: null, owner: '<!channel> ops', counts: [{ severity: 'low', count: 2 }] }],
      moreOwners: 1,
    };
    const [m] = layoutDigest(digest({ sections: [triage] }), NOW);
    expect(m?.blocks.slice(1, 3)).toEqual([
      bold('*Where the new findings are*'),
      plain(
        [
          'By account',
          '🔴 Production CDN (456): 5 critical · 19 medium',
          '🟠 account 789: 1 high',
          '+15 more accounts',
          'By owner',
          '🔵 &lt;!channel&gt; ops: 2 low',
          '+1 more owner',
        ].join('\n'),
      ),
    ]);
    const [alone] = layoutDigest(digest({ sections: [{ ...triage, owners: [], moreOwners: 0, moreAccounts: 1 }] }), NOW);
    expect(bodyText(alone)).toBe('By account\n🔴 Production CDN (456): 5 critical · 19 medium\n🟠 account 789: 1 high\n+1 more account');
  });

  it('lays out reminders by rule with the oldest age, the critical tokens named, and ✅ lines with their reason', () => {
    const [m] = layoutDigest(
      digest({
        headline: '0 new · 1 resolved · 5 open (1 critical, 0 high)',
        sections: [
          {
            kind: 'reminder',
            title: 'Still open (reminder)',
            rollups: [
              { ...rollup({ rule: 'stale', severity: 'medium', count: 4 }), oldestDays: 1 },
              { ...rollup({ rule: 'never-expiring-admin', severity: 'critical', count: 1 }), oldestDays: 30 },
            ],
            named: [entry()],
            hidden: null,
          },
          { kind: 'resolved', title: 'Resolved', entries: [{ entry: entry({ tokenId: 7, tokenName: 'old' }), reason: 'deleted' }], rollups: [{ rule: 'stale', count: 12, reasons: [{ reason: 'used again', count: 10 }, { reason: 'deleted', count: 2 }] }] },
        ],
      }),
      NOW,
    );
    const text = plainText([m as SlackMessage]);
    expect(text).toContain('🟡 stale (medium): 4 open, the oldest for 1 day');
    expect(text).toContain('🔴 never-expiring-admin (critical): 1 open, the oldest for 30 days');
    expect(text).toContain('Critical, still open: ci-deploy (token 116) · prod (456)');
    expect(text).toContain('✅ old (token 7) · prod (456) · never-expiring-admin, stale: deleted');
    expect(text).toContain('✅ stale: 12 (used again 10, deleted 2)');
  });

  it('says how many critical tokens a reminder does not name and which command lists them', () => {
    const section: DigestSection = { kind: 'reminder', title: 'Still open (reminder)', rollups: [], named: [entry()], hidden: { count: 41, command: 'gcore-token-audit findings --severity critical' } };
    const [m] = layoutDigest(digest({ sections: [section] }), NOW);
    expect(all([m as SlackMessage])).toContain('*41 more critical tokens are not named here.* Every one is listed by `gcore-token-audit findings --severity critical`');
  });

  it('splits a long digest into numbered messages, each within Slack limits, every token once, in order', () => {
    const entries = Array.from({ length: 300 }, (_, i) => entry({ tokenId: i + 1, tokenName: `token-${'x'.repeat(60)}-${i + 1}` }));
    const messages = layoutDigest(digest({ headline: 'h'.repeat(400), sections: [fresh([group(entries)])] }), NOW);
    expect(messages.length).toBeGreaterThan(1);
    expectWithinSlackLimits(messages);
    messages.forEach((m, i) => expect(m.text.endsWith(` (${i + 1}/${messages.length})`)).toBe(true));
    const ids = [...plainText(messages).matchAll(/\(token (\d+)\)/g)].map((x) => Number(x[1]));
    expect(ids).toEqual(entries.map((e) => e.tokenId));
    expect(messages.every((m) => m.blocks.at(-1)?.type === 'context')).toBe(true);
  });

  it('names account-level entries (coverage-gap) by account, without token fields', () => {
    const gap = entry({ tokenId: null, tokenName: null, accountName: 'staging', owner: null, role: null, read: false, severity: 'high', rules: [{ rule: 'coverage-gap', severity: 'high', message: 'Not fully audited: key rejected.' }] });
    const [m] = layoutDigest(digest({ sections: [fresh([group([gap], { rule: 'coverage-gap', severity: 'high' })])] }), NOW);
    expect(bodyText(m)).toBe('🟠 staging (456) · Not fully audited: key rejected.');
  });

  it('keeps untrusted text in plain_text: a hostile name can neither ping, link nor hide', () => {
    const evil = '<!channel> <@U1> #general https://evil.example *bold*\u202Eevil\u200Dx\nline';
    const hostile = entry({ tokenName: evil, owner: evil, accountName: evil, role: evil });
    const triage: DigestSection = {
      kind: 'triage',
      title: 'Where',
      accounts: [{ clientId: 1, accountName: evil, owner: null, counts: [{ severity: 'high', count: 1 }] }],
      moreAccounts: 0,
      owners: [{ clientId: null, accountName: null, owner: evil, counts: [{ severity: 'high', count: 1 }] }],
      moreOwners: 0,
    };
    const rest = { count: 1, accounts: [{ clientId: 1, accountName: evil, count: 1 }], moreAccounts: 0, command: 'c' };
    const [m] = layoutDigest(digest({ sections: [triage, fresh([group([hostile], { rest })], [rollup({ accounts: rest.accounts })])] }), NOW);
    const message = m as SlackMessage;
    for (const t of textObjects(message).filter((x) => x.type === 'mrkdwn')) {
      expect(t.text).not.toContain('evil');
    }
    const text = plainText([message]);
    expect(text).toContain('&lt;!channel&gt; &lt;@U1&gt; #general https://evil.example *bold* evil x line (token 116)');
    expect(JSON.stringify(message)).not.toMatch(/<[!@#]|<http[^s]|<https:\/\/evil|[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/);
  });
});

// Blocks as layoutDigest builds them, to compare whole messages.
const header = (text: string): Block => ({ type: 'header', text: { type: 'plain_text', text } });
const bold = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text, verbatim: true } });
const plain = (text: string): Block => ({ type: 'section', text: { type: 'plain_text', text, emoji: true } });
const context = (...texts: string[]): Block => ({ type: 'context', elements: texts.map((text) => ({ type: 'mrkdwn', text, verbatim: true })) });
const FOOTER = context(`Run r1 (scheduled) · 3 muted · Everything: \`gcore-token-audit findings\` · <${PORTAL_URL}|Manage API tokens in the Gcore portal>`);
const TITLE = 'Gcore token audit: 1 new · 0 resolved · 2 open (1 critical, 0 high)';

const notes = (lines: readonly string[], title = 'n'): DigestSection => ({ kind: 'notes', title, lines });
/** Note lines (at most 500 characters each) that pack into exactly `length` characters of one section. */
function noteLines(length: number): string[] {
  const lines: string[] = [];
  let left = length;
  for (; left > 500; left -= 501) {
    lines.push('x'.repeat(500));
  }
  return [...lines, 'x'.repeat(left)];
}
const sectionTexts = (m: SlackMessage | undefined) => (m?.blocks ?? []).flatMap((b) => (b.type === 'section' && b.text.type === 'plain_text' ? [b.text.text] : []));

describe('layoutDigest: blocks', () => {
  it('lays a token out as header, bold heading, the group with what to do, plain-text line with emoji, footer', () => {
    expect(layoutDigest(digest(), NOW)).toEqual([
      {
        text: TITLE,
        blocks: [
          header(TITLE),
          bold('*New* (2)'),
          bold('*🔴 never-expiring-admin (critical): 1 token*\nWhat to do: Replace it, then delete this one.'),
          plain(`${LINE} · Administrators token that never expires. · also stale (medium): Not used for 214 days (limit: 90 days).`),
          FOOTER,
        ],
      },
    ]);
  });

  it('gives a group no "What to do" line when its rule has no remediation text', () => {
    const [m] = layoutDigest(digest({ sections: [fresh([group([entry()], { remediation: '' })])] }), NOW);
    expect(m?.blocks[2]).toEqual(bold('*🔴 never-expiring-admin (critical): 1 token*'));
  });

  it('roll-ups share one section', () => {
    const rollups = [rollup(), rollup({ rule: 'stale', severity: 'medium', count: 2, accounts: [{ clientId: 456, accountName: 'prod', count: 2 }], command: 'x' })];
    const [m] = layoutDigest(digest({ sections: [fresh([], rollups, 122)] }), NOW);
    expect(m?.blocks).toEqual([
      header(TITLE),
      bold('*New* (122)'),
      bold('*By rule*'),
      plain(
        '🔵 never-used (low): 120 — prod (456): 100 · account 789: 20\nList them: gcore-token-audit findings --rule never-used\n🟡 stale (medium): 2 — prod (456): 2\nList them: x',
      ),
      FOOTER,
    ]);
  });

  it('puts "The rest, by rule" between the groups and the roll-ups', () => {
    const [m] = layoutDigest(digest({ sections: [fresh([group([entry()])], [rollup({ count: 3 })], 5)] }), NOW);
    expect(m?.blocks.map((b) => (b.type === 'section' ? b.text.text.split('\n')[0] : b.type))).toEqual([
      'header',
      '*New* (5)',
      '*🔴 never-expiring-admin (critical): 1 token*',
      `${LINE} · Administrators token that never expires. · also stale (medium): Not used for 214 days (limit: 90 days).`,
      '*The rest, by rule*',
      '🔵 never-used (low): 3 — prod (456): 100 · account 789: 20',
      'context',
    ]);
  });

  it('lays out notes as a bold title and their lines in one plain-text section', () => {
    const [m] = layoutDigest(digest({ sections: [notes(['Slack was unreachable at 09:00 & retried.', 'second   line'], 'Notes')] }), NOW);
    expect(m?.blocks).toEqual([header(TITLE), bold('*Notes*'), plain('Slack was unreachable at 09:00 &amp; retried.\nsecond line'), FOOTER]);
  });

  it('lays out reminders: total in the heading, a line a rule ("1 day", "30 days"), the critical tokens named, the first prefixed', () => {
    const gap = entry({ tokenId: null, tokenName: null, accountName: 'staging' });
    const section: DigestSection = {
      kind: 'reminder',
      title: 'Still open (reminder)',
      rollups: [
        { ...rollup({ rule: 'stale', severity: 'medium', count: 4 }), oldestDays: 1 },
        { ...rollup({ rule: 'never-expiring-admin', severity: 'critical', count: 1 }), oldestDays: 30 },
      ],
      named: [entry(), gap],
      hidden: null,
    };
    const [m] = layoutDigest(digest({ sections: [section] }), NOW);
    expect(m?.blocks).toEqual([
      header(TITLE),
      bold('*Still open (reminder)* (5)'),
      plain('🟡 stale (medium): 4 open, the oldest for 1 day\n🔴 never-expiring-admin (critical): 1 open, the oldest for 30 days'),
      plain('Critical, still open: ci-deploy (token 116) · prod (456)\nstaging (456)'),
      FOOTER,
    ]);
  });

  it('lays out resolved findings: their total in the heading, tokens and accounts with their reason, roll-ups by reason', () => {
    const gap = entry({ tokenId: null, tokenName: null, accountName: 'staging', rules: [{ rule: 'coverage-gap', severity: 'high', message: 'key rejected' }] });
    const section: DigestSection = {
      kind: 'resolved',
      title: 'Resolved',
      entries: [
        { entry: entry({ tokenId: 7, tokenName: 'old' }), reason: 'deleted' },
        { entry: gap, reason: 'used again' },
      ],
      rollups: [{ rule: 'stale', count: 12, reasons: [{ reason: 'used again', count: 10 }, { reason: 'deleted', count: 2 }] }],
    };
    const [m] = layoutDigest(digest({ sections: [section] }), NOW);
    expect(m?.blocks).toEqual([
      header(TITLE),
      bold('*Resolved* (15)'),
      plain('✅ old (token 7) · prod (456) · never-expiring-admin, stale: deleted\n✅ staging (456) · coverage-gap: used again\n✅ stale: 12 (used again 10, deleted 2)'),
      FOOTER,
    ]);
  });

  it('tells the day a token expires', () => {
    const [m] = layoutDigest(digest({ sections: [fresh([group([entry({ expDate: '2027-03-01T10:00:00.000Z' })])])] }), NOW);
    expect(plainText([m as SlackMessage])).toContain(' · owner ops@example.com · last used 214 days ago · expires 2027-03-01 · ');
  });

  it('names an account by its name alone when it has no id, and as "account ?" when it has neither', () => {
    const entries = [entry({ clientId: null }), entry({ clientId: null, accountName: null })];
    const [m] = layoutDigest(digest({ sections: [fresh([group(entries)])] }), NOW);
    const starts = sectionTexts(m)[0]?.split('\n').map((t) => t.split(' · ').slice(0, 2).join(' · '));
    expect(starts).toEqual(['🔴 ci-deploy (token 116) · prod', '🔴 ci-deploy (token 116) · account ?']);
  });
});

describe('layoutDigest: sections and pages', () => {
  it('fills a plain-text section up to 1,500 characters, separators counted', () => {
    const [m] = layoutDigest(digest({ sections: [notes(noteLines(1500))] }), NOW);
    expect(sectionTexts(m).map((t) => t.length)).toEqual([1500]);
  });

  it('starts a new section when one more character would pass 1,500', () => {
    const [m] = layoutDigest(digest({ sections: [notes(noteLines(1501))] }), NOW);
    expect(sectionTexts(m)).toEqual([`${'x'.repeat(500)}\n${'x'.repeat(500)}`, 'x'.repeat(499)]);
  });

  it('puts up to 48 body blocks in a message: 50 with header and footer', () => {
    const sections = Array.from({ length: 24 }, () => notes(['a']));
    expect(layoutDigest(digest({ sections }), NOW).map((m) => m.blocks.length)).toEqual([50]);
  });

  it('moves the 49th body block to a second message', () => {
    const sections = [...Array.from({ length: 24 }, () => notes(['a'])), notes([])];
    const messages = layoutDigest(digest({ sections }), NOW);
    expect(messages.map((m) => m.blocks.length)).toEqual([50, 3]);
    expect(messages.map((m) => m.text)).toEqual([`${TITLE} (1/2)`, `${TITLE} (2/2)`]);
  });

  describe('a message of exactly the character budget (header counted at its limit)', () => {
    const footer = FOOTER.type === 'context' ? (FOOTER.elements[0]?.text.length ?? 0) : 0;
    // seven notes of a 3-character heading and a full 1,500-character section, then one that fills the budget
    const full = Array.from({ length: 7 }, () => notes(noteLines(1500)));
    const last = MESSAGE_CHAR_BUDGET - SLACK_LIMITS.headerText - footer - 7 * 1503 - 3;

    it('is sent as one message', () => {
      const messages = layoutDigest(digest({ sections: [...full, notes(noteLines(last))] }), NOW);
      expect(messages).toHaveLength(1);
      expectWithinSlackLimits(messages);
    });

    it('with one character more, sends its last section in a second message', () => {
      const messages = layoutDigest(digest({ sections: [...full, notes(noteLines(last + 1))] }), NOW);
      expect(messages.map((m) => sectionTexts(m).length)).toEqual([7, 1]);
      expectWithinSlackLimits(messages);
    });
  });

  it('never sends a message without a body, even when its first block alone passes the budget', () => {
    const messages = layoutDigest(digest({ sections: [notes([], 'n'.repeat(MESSAGE_CHAR_BUDGET))] }), NOW);
    expect(messages.map((m) => m.blocks.map((b) => b.type))).toEqual([['header', 'section', 'context']]);
  });

  it('cuts a token told in more than 1,500 characters to one full section of its own', () => {
    const rules = RULE_IDS.map((rule) => ({ rule, severity: 'high' as const, message: 'z'.repeat(200) }));
    const [m] = layoutDigest(digest({ sections: [fresh([group([entry({ rules })])])] }), NOW);
    expect(sectionTexts(m).map((t) => [t.length, t.endsWith('z…')])).toEqual([[1500, true]]);
  });
});

describe('preview', () => {
  const messages = layoutDigest(
    digest({
      sections: [
        fresh([group([entry({ tokenName: '<!channel> & co' })])], [rollup({ count: 5 })]),
        { kind: 'reminder', title: 'Still open (reminder)', rollups: [], named: [], hidden: { count: 2, command: 'gcore-token-audit audit --format json' } },
      ],
    }),
    NOW,
  );

  it('reads as Slack shows it: no markers, no entities, links as "label (url)"', () => {
    const text = previewMessages(messages);
    expect(text).toMatch(/^── message 1 of 1 ──\nGcore token audit: 1 new/);
    expect(text).not.toContain('*');
    expect(text).not.toContain('&lt;');
    expect(text).not.toContain('&amp;');
    expect(text).not.toContain('`');
    expect(text).toContain('🔴 <!channel> & co (token 116) · prod (456)');
    expect(text).toContain('2 more critical tokens are not named here. Every one is listed by gcore-token-audit audit --format json');
    expect(text).toContain(`Everything: gcore-token-audit findings · Manage API tokens in the Gcore portal (${PORTAL_URL})`);
    expect(previewMessages([])).toBe('Nothing to post.\n');
  });

  it('as JSON: one payload a line, each parsing back to the message', () => {
    const two = [...messages, ...messages];
    const lines = previewJson(two).trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    for (const [i, line] of lines.entries()) {
      expect(JSON.parse(line)).toEqual({ text: two[i]?.text, blocks: two[i]?.blocks });
    }
  });
});

describe('lastUsedText', () => {
  it('says when a token was last used', () => {
    expect(lastUsedText(null, NOW)).toBe('never');
    expect(lastUsedText(NOW.toISOString(), NOW)).toBe('today');
    expect(lastUsedText(daysBefore(1).toISOString(), NOW)).toBe('1 day ago');
  });
});
