import { describe, expect, it } from '@jest/globals';
import type { Digest, DigestSection, TokenEntry } from '../../src/alerts/digest.js';
import { REMEDIATION, RULE_IDS } from '../../src/rules/rule-catalog.js';
import { lastUsedText, layoutDigest } from '../../src/slack/layout-digest.js';
import { previewJson, previewMessages } from '../../src/slack/preview-messages.js';
import { MESSAGE_CHAR_BUDGET, PORTAL_URL, SLACK_LIMITS, type Block, type SlackMessage } from '../../src/slack/slack-message.js';
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

const digest = (overrides: Partial<Digest> = {}): Digest => ({
  headline: '1 new · 0 resolved · 2 open (1 critical, 0 high)',
  sections: [{ kind: 'new', title: 'New', entries: [entry()], rollups: [], hidden: null }],
  remediation: { 'never-expiring-admin': 'Replace it, then delete this one.', stale: 'Confirm it is needed.' },
  context: 'Run r1 (scheduled) · 3 muted',
  ...overrides,
});

const all = (messages: readonly SlackMessage[]) => messages.flatMap((m) => textObjects(m).map((t) => t.text)).join('\n');

describe('layoutDigest', () => {
  it('tells a token in three lines: name, id and account; role, owner and dates; each rule with its message', () => {
    const [m] = layoutDigest(digest(), NOW);
    expect(m?.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Gcore token audit: 1 new · 0 resolved · 2 open (1 critical, 0 high)' } });
    expect(m?.text).toBe('Gcore token audit: 1 new · 0 resolved · 2 open (1 critical, 0 high)');
    expect(plainText([m as SlackMessage])).toContain(
      [
        '🔴 ci-deploy (token 116) · prod (456)',
        'Administrators · owner ops@example.com · last used 214 days ago · expires never',
        'never-expiring-admin (critical): Administrators token that never expires. · stale (medium): Not used for 214 days (limit: 90 days).',
      ].join('\n'),
    );
    expect(all([m as SlackMessage])).toContain('*New* (2)'); // the heading counts findings, not tokens
  });

  it('says "not read" for a token it could not read, "owner unknown" without an owner, and names a bare account by its id', () => {
    const [m] = layoutDigest(digest({ sections: [{ kind: 'new', title: 'New', entries: [entry({ read: false, owner: null, accountName: null })], rollups: [], hidden: null }] }), NOW);
    const text = plainText([m as SlackMessage]);
    expect(text).toContain('· account 456');
    expect(text).toContain('Administrators · owner unknown · not read');
  });

  it('puts each remediation once per message, and the context line with the portal link last', () => {
    const entries = Array.from({ length: 8 }, (_, i) => entry({ tokenId: i + 1, tokenName: `t${i + 1}` }));
    const messages = layoutDigest(digest({ sections: [{ kind: 'new', title: 'New', entries, rollups: [], hidden: null }] }), NOW);
    expect(messages).toHaveLength(1);
    const m = messages[0] as SlackMessage;
    const mrkdwn = textObjects(m).filter((t) => t.type === 'mrkdwn').map((t) => t.text);
    expect(mrkdwn.filter((t) => t.includes('Replace it, then delete this one.'))).toHaveLength(1);
    expect(mrkdwn.filter((t) => t.includes('Confirm it is needed.'))).toHaveLength(1);
    expect(m.blocks.at(-1)).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', verbatim: true, text: `Run r1 (scheduled) · 3 muted · <${PORTAL_URL}|Manage API tokens in the Gcore portal>` }],
    });
  });

  it('rolls up by rule with a count, the first names and "+N more"', () => {
    const [m] = layoutDigest(
      digest({ sections: [{ kind: 'new', title: 'New', entries: [], rollups: [{ rule: 'never-used', severity: 'low', count: 120, names: ['a', 'b', 'c'] }], hidden: null }], remediation: {} }),
      NOW,
    );
    const text = all([m as SlackMessage]);
    expect(text).toContain('*New* (120, by rule)');
    expect(text).toContain('🔵 never-used (low): 120 — a, b, c, +117 more');
    expect(m?.blocks.filter((b) => b.type === 'context')).toHaveLength(1); // no remediation block for rolled-up rules
  });

  it('says how many critical tokens it does not name and which command lists them', () => {
    const [m] = layoutDigest(digest({ sections: [{ kind: 'new', title: 'New', entries: [entry()], rollups: [], hidden: { count: 41, command: 'gcore-token-audit audit --format json' } }] }), NOW);
    expect(all([m as SlackMessage])).toContain('*41 more critical tokens are not named here.* Every one is listed by `gcore-token-audit audit --format json`');
  });

  it('lays out reminders by rule with the oldest age, the critical tokens named, and ✅ lines with their reason', () => {
    const [m] = layoutDigest(
      digest({
        headline: '0 new · 1 resolved · 5 open (1 critical, 0 high)',
        sections: [
          { kind: 'reminder', title: 'Still open (reminder)', rollups: [{ rule: 'stale', severity: 'medium', count: 4, names: [], oldestDays: 1 }, { rule: 'never-expiring-admin', severity: 'critical', count: 1, names: [], oldestDays: 30 }], named: [entry()], hidden: null },
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

  it('splits a long digest into numbered messages, each within Slack limits, every token once, in order', () => {
    const entries = Array.from({ length: 300 }, (_, i) => entry({ tokenId: i + 1, tokenName: `token-${'x'.repeat(60)}-${i + 1}` }));
    const messages = layoutDigest(digest({ headline: 'h'.repeat(400), sections: [{ kind: 'new', title: 'New', entries, rollups: [], hidden: null }] }), NOW);
    expect(messages.length).toBeGreaterThan(1);
    expectWithinSlackLimits(messages);
    messages.forEach((m, i) => expect(m.text.endsWith(` (${i + 1}/${messages.length})`)).toBe(true));
    const ids = [...plainText(messages).matchAll(/\(token (\d+)\)/g)].map((x) => Number(x[1]));
    expect(ids).toEqual(entries.map((e) => e.tokenId));
    expect(messages.every((m) => m.blocks.at(-1)?.type === 'context')).toBe(true);
  });

  it('names account-level entries (coverage-gap) by account, without a token line', () => {
    const gap = entry({ tokenId: null, tokenName: null, accountName: 'staging', owner: null, role: null, read: false, severity: 'high', rules: [{ rule: 'coverage-gap', severity: 'high', message: 'Not fully audited: key rejected.' }] });
    const [m] = layoutDigest(digest({ sections: [{ kind: 'new', title: 'New', entries: [gap], rollups: [], hidden: null }] }), NOW);
    expect(plainText([m as SlackMessage])).toContain('🟠 staging (456)\ncoverage-gap (high): Not fully audited: key rejected.');
  });

  it('keeps untrusted text in plain_text: a hostile name can neither ping, link nor hide', () => {
    const evil = '<!channel> <@U1> #general https://evil.example *bold*\u202Eevil\u200Dx\nline';
    const [m] = layoutDigest(digest({ sections: [{ kind: 'new', title: 'New', entries: [entry({ tokenName: evil, owner: evil, accountName: evil, role: evil })], rollups: [], hidden: null }] }), NOW);
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
const FOOTER = context(`Run r1 (scheduled) · 3 muted · <${PORTAL_URL}|Manage API tokens in the Gcore portal>`);
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
  it('lays a token out as header, bold heading, plain-text entry with emoji, its remediation once, footer', () => {
    expect(layoutDigest(digest(), NOW)).toEqual([
      {
        text: TITLE,
        blocks: [
          header(TITLE),
          bold('*New* (2)'),
          plain(
            '🔴 ci-deploy (token 116) · prod (456)\nAdministrators · owner ops@example.com · last used 214 days ago · expires never\nnever-expiring-admin (critical): Administrators token that never expires. · stale (medium): Not used for 214 days (limit: 90 days).',
          ),
          context('What to do · *never-expiring-admin*: Replace it, then delete this one.', '*stale*: Confirm it is needed.'),
          FOOTER,
        ],
      },
    ]);
  });

  it('without remediation to give, a message is header, body and footer only; roll-ups share one section', () => {
    const rollups = [
      { rule: 'never-used', severity: 'low', count: 120, names: ['a', 'b', 'c'] },
      { rule: 'stale', severity: 'medium', count: 2, names: ['x', 'y'] },
    ] as const;
    const [m] = layoutDigest(digest({ sections: [{ kind: 'new', title: 'New', entries: [], rollups, hidden: null }], remediation: {} }), NOW);
    expect(m?.blocks).toEqual([header(TITLE), bold('*New* (122, by rule)'), plain('🔵 never-used (low): 120 — a, b, c, +117 more\n🟡 stale (medium): 2 — x, y'), FOOTER]);
  });

  it('puts "The rest, by rule" between the tokens it names and the roll-ups', () => {
    const rollups = [{ rule: 'never-used', severity: 'low', count: 3, names: ['a'] }] as const;
    const [m] = layoutDigest(digest({ sections: [{ kind: 'new', title: 'New', entries: [entry()], rollups, hidden: null }], remediation: {} }), NOW);
    expect(m?.blocks.map((b) => (b.type === 'section' ? b.text.text.split('\n')[0] : b.type))).toEqual([
      'header',
      '*New* (5)',
      '🔴 ci-deploy (token 116) · prod (456)',
      '*The rest, by rule*',
      '🔵 never-used (low): 3 — a, +2 more',
      'context',
    ]);
  });

  it('with critical tokens hidden but none named, counts findings without ", by rule" and heads the roll-ups "The rest, by rule"', () => {
    const rollups = [{ rule: 'never-expiring-admin', severity: 'critical', count: 1, names: ['admin-key'] }] as const;
    const hidden = { count: 1, command: 'gcore-token-audit findings --severity critical' };
    const [m] = layoutDigest(digest({ sections: [{ kind: 'new', title: 'New', entries: [], rollups, hidden }], remediation: {} }), NOW);
    expect(m?.blocks).toEqual([
      header(TITLE),
      bold('*New* (1)'),
      bold('*1 more critical token is not named here.* Every one is listed by `gcore-token-audit findings --severity critical`'),
      bold('*The rest, by rule*'),
      plain('🔴 never-expiring-admin (critical): 1 — admin-key'),
      FOOTER,
    ]);
  });

  it('lays out notes as a bold title and their lines in one plain-text section', () => {
    const [m] = layoutDigest(digest({ sections: [notes(['Slack was unreachable at 09:00 & retried.', 'second   line'], 'Notes')], remediation: {} }), NOW);
    expect(m?.blocks).toEqual([header(TITLE), bold('*Notes*'), plain('Slack was unreachable at 09:00 &amp; retried.\nsecond line'), FOOTER]);
  });

  it('lays out reminders: total in the heading, a line a rule ("1 day", "30 days"), the critical tokens named, the first prefixed', () => {
    const gap = entry({ tokenId: null, tokenName: null, accountName: 'staging' });
    const section: DigestSection = {
      kind: 'reminder',
      title: 'Still open (reminder)',
      rollups: [
        { rule: 'stale', severity: 'medium', count: 4, names: [], oldestDays: 1 },
        { rule: 'never-expiring-admin', severity: 'critical', count: 1, names: [], oldestDays: 30 },
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

  it('tells a token whose role is unknown and the day it expires', () => {
    const [m] = layoutDigest(digest({ sections: [{ kind: 'new', title: 'New', entries: [entry({ role: null, expDate: '2027-03-01T10:00:00.000Z' })], rollups: [], hidden: null }] }), NOW);
    expect(plainText([m as SlackMessage])).toContain('\nrole unknown · owner ops@example.com · last used 214 days ago · expires 2027-03-01\n');
  });

  it('names an account by its name alone when it has no id, and as "account ?" when it has neither', () => {
    const entries = [entry({ clientId: null }), entry({ clientId: null, accountName: null })];
    const [m] = layoutDigest(digest({ sections: [{ kind: 'new', title: 'New', entries, rollups: [], hidden: null }] }), NOW);
    const firstLines = sectionTexts(m)[0]?.split('\n\n').map((t) => t.split('\n')[0]);
    expect(firstLines).toEqual(['🔴 ci-deploy (token 116) · prod', '🔴 ci-deploy (token 116) · account ?']);
  });
});

describe('layoutDigest: remediation', () => {
  const told = (rules: readonly (typeof RULE_IDS)[number][]) =>
    entry({ rules: rules.map((rule) => ({ rule, severity: 'high' as const, message: 'm' })) });

  it('gives no remediation line for a rule it has no text for', () => {
    const [m] = layoutDigest(digest({ sections: [{ kind: 'new', title: 'New', entries: [told(['orphaned', 'stale'])], rollups: [], hidden: null }] }), NOW);
    expect(m?.blocks.at(-2)).toEqual(context('What to do · *stale*: Confirm it is needed.'));
  });

  it('gives at most 10 remediation lines a message (Slack context limit), "What to do" on the first only', () => {
    const [m] = layoutDigest(digest({ sections: [{ kind: 'new', title: 'New', entries: [told(RULE_IDS)], rollups: [], hidden: null }], remediation: REMEDIATION }), NOW);
    const fix = m?.blocks.at(-2);
    expect(fix?.type === 'context' ? fix.elements.map((e) => e.text) : []).toEqual(
      RULE_IDS.slice(0, SLACK_LIMITS.contextElements).map((r, i) => `${i === 0 ? 'What to do · ' : ''}*${r}*: ${REMEDIATION[r]}`),
    );
  });
});

describe('layoutDigest: sections and pages', () => {
  it('fills a plain-text section up to 1,500 characters, separators counted', () => {
    const [m] = layoutDigest(digest({ sections: [notes(noteLines(1500))], remediation: {} }), NOW);
    expect(sectionTexts(m).map((t) => t.length)).toEqual([1500]);
  });

  it('starts a new section when one more character would pass 1,500', () => {
    const [m] = layoutDigest(digest({ sections: [notes(noteLines(1501))], remediation: {} }), NOW);
    expect(sectionTexts(m)).toEqual([`${'x'.repeat(500)}\n${'x'.repeat(500)}`, 'x'.repeat(499)]);
  });

  it('puts up to 47 body blocks in a message: 50 with header, remediation and footer', () => {
    const sections = [...Array.from({ length: 23 }, () => notes(['a'])), notes([])];
    expect(layoutDigest(digest({ sections, remediation: {} }), NOW).map((m) => m.blocks.length)).toEqual([49]);
  });

  it('moves the 48th body block to a second message', () => {
    const sections = Array.from({ length: 24 }, () => notes(['a']));
    const messages = layoutDigest(digest({ sections, remediation: {} }), NOW);
    expect(messages.map((m) => m.blocks.length)).toEqual([49, 3]);
    expect(messages.map((m) => m.text)).toEqual([`${TITLE} (1/2)`, `${TITLE} (2/2)`]);
  });

  describe('a message of exactly the character budget (header counted at its limit)', () => {
    const footer = FOOTER.type === 'context' ? (FOOTER.elements[0]?.text.length ?? 0) : 0;
    // seven notes of a 3-character heading and a full 1,500-character section, then one that fills the budget
    const full = Array.from({ length: 7 }, () => notes(noteLines(1500)));
    const last = MESSAGE_CHAR_BUDGET - SLACK_LIMITS.headerText - footer - 7 * 1503 - 3;

    it('is sent as one message', () => {
      const messages = layoutDigest(digest({ sections: [...full, notes(noteLines(last))], remediation: {} }), NOW);
      expect(messages).toHaveLength(1);
      expectWithinSlackLimits(messages);
    });

    it('with one character more, sends its last section in a second message', () => {
      const messages = layoutDigest(digest({ sections: [...full, notes(noteLines(last + 1))], remediation: {} }), NOW);
      expect(messages.map((m) => sectionTexts(m).length)).toEqual([7, 1]);
      expectWithinSlackLimits(messages);
    });
  });

  it('never sends a message without a body, even when its first block alone passes the budget', () => {
    const messages = layoutDigest(digest({ sections: [notes([], 'n'.repeat(MESSAGE_CHAR_BUDGET))], remediation: {} }), NOW);
    expect(messages.map((m) => m.blocks.map((b) => b.type))).toEqual([['header', 'section', 'context']]);
  });

  it('cuts a token told in more than 1,500 characters to one full section of its own', () => {
    const rules = RULE_IDS.map((rule) => ({ rule, severity: 'high' as const, message: 'z'.repeat(200) }));
    const [m] = layoutDigest(digest({ sections: [{ kind: 'new', title: 'New', entries: [entry({ rules })], rollups: [], hidden: null }], remediation: {} }), NOW);
    expect(sectionTexts(m).map((t) => [t.length, t.endsWith('z…')])).toEqual([[1500, true]]);
  });
});


describe('preview', () => {
  const messages = layoutDigest(
    digest({
      sections: [
        { kind: 'new', title: 'New', entries: [entry({ tokenName: '<!channel> & co' })], rollups: [{ rule: 'never-used', severity: 'low', count: 5, names: ['a'] }], hidden: { count: 2, command: 'gcore-token-audit audit --format json' } },
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
    expect(text).toContain(`Manage API tokens in the Gcore portal (${PORTAL_URL})`);
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
