import { describe, expect, it } from '@jest/globals';
import type { Digest, TokenEntry } from '../../src/alerts/digest.js';
import { lastUsedText, layoutDigest } from '../../src/slack/layout-digest.js';
import { previewJson, previewMessages } from '../../src/slack/preview-messages.js';
import { PORTAL_URL, type SlackMessage } from '../../src/slack/slack-message.js';
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
