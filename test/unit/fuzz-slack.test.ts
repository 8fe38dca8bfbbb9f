import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { planAlerts, type AlertState } from '../../src/alerts/plan-alerts.js';
import { findingId, type Finding } from '../../src/core/finding.js';
import type { TokenResult } from '../../src/core/report.js';
import type { RuleId } from '../../src/core/rule-catalog.js';
import type { Severity } from '../../src/core/severity.js';
import type { SlackSettings } from '../../src/alerts/slack-settings.js';
import { muteNotes, type MuteChange } from '../../src/alerts/mute-notes.js';
import { NEW_TOKENS_PER_MESSAGE, type NewTokenEntry } from '../../src/alerts/plan-sentinel.js';
import { digestMessages } from '../../src/alerts/slack/digest-messages.js';
import { layoutNewTokens } from '../../src/alerts/slack/layout-new-tokens.js';
import { PORTAL_URL, type SlackMessage } from '../../src/alerts/slack/slack-message.js';
import { expectWithinSlackLimits, HOSTILE, textObjects } from '../support/estate.js';
import { slackRejection } from '../support/slack-limits.js';
import { finding } from '../support/findings.js';
import { NOW } from '../support/tokens.js';

// Every untrusted value starts with it, so the test can tell where untrusted text went.
const MARK = 'UNTRUSTED';
// Written out here, apart from src/core/clean-text.ts: anything invisible left in a posted text object. (Our own
// text has line breaks, so \n is the one control allowed.)
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Cs}\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u2800\u115f\u1160\u3164\uffa0]/u;
const HOUR = 3_600_000;

/** One of each kind of invisible code point the cleaner must remove. */
const INVISIBLES = [
  '\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\u00ad', '\u034f', '\u061c', '\u115f', '\u1160', '\u180e', '\u200b', '\u200d', '\u200e',
  '\u2028', '\u202e', '\u2060', '\u2066', '\u206f', '\u2800', '\u3164', '\ufe00', '\ufe0f', '\ufeff', '\uffa0', '\u{e0000}', '\u{e0001}',
  '\u{e0041}', '\u{e007f}', '\u{e0100}', '\u{e01ef}', '\ud800', '\udbff', '\udc00', '\udfff', '\u{1d173}',
] as const;

const hostile = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.constantFrom(...HOSTILE, '<!here>', '<!everyone>', '<#C024BE7LR>', '<mailto:x@evil.example|mail>', '&lt;!channel&gt;', '&amp;',
    '\n\n> quote', '```block```', 'a'.repeat(5000), '🚀'.repeat(2000), '<<<>>>&&&', '\u200b\u200c\u200d\u200e\u200f', '\u202a\u202b\u202c\u202d\u202e',
    '\u2066\u2067\u2068\u2069\ufeff'),
  fc.array(fc.constantFrom('<', '>', '&', '!', '@', '#', '|', '*', '_', '~', '`', 'http://x', 'https://evil.example', ' ', '\n', '\u202e', '\u200d'), { maxLength: 200 }).map((a) => a.join('')),
  // every invisible, among letters, entities, emoji and combining marks
  fc.array(fc.constantFrom(...INVISIBLES, '&', '<', '>', 'a', '😀', '👩‍👩‍👧', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', 'e\u0301', '\u0301\u0302\u0303', ' '), { maxLength: 300 }).map((a) => a.join('')),
  // long runs of what grows on escaping or counts twice: up to 10,000 of them
  fc.tuple(fc.constantFrom('&', '<', '>', '&<>', '😀', 'e\u0301', '\u3164', '\u{e0041}', 'x'), fc.integer({ min: 1, max: 10_000 })).map(([piece, n]) => piece.repeat(n)),
);
const RULES: readonly [RuleId, Severity][] = [
  ['never-expiring-admin', 'critical'],
  ['stale', 'high'],
  ['orphaned', 'high'],
  ['not-in-inventory', 'medium'],
  ['never-used', 'low'],
];
const row = fc.record({ name: hostile, owner: hostile, role: hostile, account: hostile, rules: fc.subarray([0, 1, 2, 3, 4], { minLength: 1 }) });

const settings: SlackSettings = { minSeverity: 'low', renotifyAfterHours: 168, maxMessagesPerRun: 20, detailSeverity: 'low', routes: [] };

function toFindings(rows: readonly { name: string; owner: string; role: string; account: string; rules: number[] }[]): Finding[] {
  return rows.flatMap((r, i) =>
    r.rules.map((k) => {
      const [rule, severity] = RULES[k] as [RuleId, Severity];
      const clientId = 1000 + (i % 3);
      return finding(i + 1, rule, severity, {
        id: findingId(clientId, i + 1, rule),
        clientId,
        accountName: `${MARK}${r.account}`,
        tokenName: `${MARK}${r.name}`,
        owner: `${MARK}${r.owner}`,
        role: `${MARK}${r.role}`,
      });
    }),
  );
}

function digest(plan: ReturnType<typeof planAlerts>, now: Date): SlackMessage[] {
  const route = plan.routes[0];
  if (route === undefined) {
    throw new Error('no default route');
  }
  return digestMessages(
    { plan: route, stateless: false, runId: 'run-1', trigger: 'schedule', minSeverity: 'low', detailSeverity: settings.detailSeverity, now, listing: 'findings' },
    settings.maxMessagesPerRun,
  );
}

/** Inert, visible and within limits: what every payload must be whatever the tokens say. */
function expectSafe(messages: readonly SlackMessage[]) {
  expectWithinSlackLimits(messages);
  const portal = `<${PORTAL_URL}|Manage API tokens in the Gcore portal>`;
  for (const m of messages) {
    // what the Slack stand-in (and Slack) would refuse, judged apart from src/
    expect(slackRejection({ text: m.text, blocks: m.blocks })).toBeNull();
    expect(INVISIBLE.test(m.text)).toBe(false);
    for (const t of textObjects(m)) {
      expect(INVISIBLE.test(t.text)).toBe(false);
      // escaped: every & begins an entity
      expect(t.text).not.toMatch(/&(?!(amp|lt|gt);)/);
      // Our portal link is the only `<…>` construct Slack may act on: no mention, no link, no channel of theirs.
      const ours = t.text.replace(portal, '');
      expect(ours).not.toMatch(/[<>]/);
      if (t.type === 'mrkdwn') {
        expect(t.text).not.toContain(MARK);
      }
    }
  }
}

/** The New section's token lines (under a rule group's heading), by token id: untrusted text cannot add lines. */
function newEntries(messages: readonly SlackMessage[]): Map<number, string> {
  const entries = new Map<number, string>();
  let heading = '';
  for (const m of messages) {
    for (const t of textObjects(m)) {
      if (t.type === 'mrkdwn' && t.block === 'section') {
        heading = t.text;
      } else if (t.block === 'section' && /^\*\p{Extended_Pictographic} /u.test(heading)) {
        for (const line of t.text.split('\n')) {
          const id = Number(/\(token (\d+)\)/.exec(line)?.[1]);
          expect(Number.isInteger(id)).toBe(true);
          expect(entries.has(id)).toBe(false);
          entries.set(id, line);
        }
      }
    }
  }
  return entries;
}

describe('fuzz: Slack digest with hostile token text', () => {
  it('new, reminded and resolved tokens stay inert, visible, whole and within Slack limits whatever they are called', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 40 }), (rows) => {
        const findings = toFindings(rows);
        const results: TokenResult[] = rows.map((_, i) => ({ clientId: 1000 + (i % 3), tokenId: i + 1, status: 'audited', findings: [] }));
        const options = { minSeverity: 'low' as const, renotifyAfterHours: 168, routes: [] };

        const first = planAlerts(new Map(), findings, { results }, { ...options, now: NOW });
        const posted = digest(first, NOW);
        expectSafe(posted);
        const entries = newEntries(posted);
        expect([...entries.keys()].sort((a, b) => a - b)).toEqual(rows.map((_, i) => i + 1));
        for (const [id, line] of entries) {
          // one line a token: its first rule's sentence, then "also <rule> (<severity>): …" for each other
          expect(1 + (line.match(/ · also [a-z-]+ \((?:critical|high|medium|low|info)\): /g) ?? []).length).toBe(findings.filter((f) => f.tokenId === id).length);
        }

        // a week later: the odd tokens are deleted, the even ones reminded
        const later = new Date(NOW.getTime() + 169 * HOUR);
        const state = new Map<string, AlertState>(first.upserts.map((u) => [u.key, u]));
        const kept = findings.filter((f) => (f.tokenId ?? 0) % 2 === 0);
        const gone = results.map((r): TokenResult => (r.tokenId % 2 === 1 ? { ...r, status: 'gone' } : r));
        const second = planAlerts(state, kept, { results: gone }, { ...options, now: later });
        const told = digest(second, later);
        expectSafe(told);
        const text = told.flatMap((m) => textObjects(m).map((t) => t.text)).join('\n');
        const resolvedLines = text.split('\n').filter((l) => l.startsWith('✅'));
        const goneTokens = rows.filter((_, i) => (i + 1) % 2 === 1).length;
        // one line per token up to a handful, then by rule
        if (goneTokens <= 10) {
          expect(resolvedLines).toHaveLength(goneTokens);
          expect(resolvedLines.every((l) => l.endsWith(': deleted'))).toBe(true);
        } else {
          expect(resolvedLines.every((l) => / \(deleted \d+\)$/.test(l))).toBe(true);
        }
        expect(text.includes('Still open (reminder)')).toBe(kept.length > 0);
      }),
      { numRuns: 120, seed: 99 },
    );
  });
});

const severity = fc.constantFrom<Severity>('critical', 'high', 'medium', 'low', 'info');

interface EntryText {
  readonly name: string;
  readonly issuer: string;
  readonly role: string;
  readonly account: string;
  readonly message: string;
  readonly severity: Severity;
  readonly rules: number[];
}

function newTokenEntry(i: number, r: EntryText): NewTokenEntry {
  return {
    clientId: 1000 + (i % 3),
    accountName: `${MARK}${r.account}`,
    tokenId: i + 1,
    tokenName: `${MARK}${r.name}`,
    issuer: `${MARK}${r.issuer}`,
    role: `${MARK}${r.role}`,
    created: '2026-11-02T09:41:27.000Z',
    expDate: null,
    severity: r.severity,
    rules: r.rules.map((k) => {
      const [rule, ruleSeverity] = RULES[k] as [RuleId, Severity];
      return { rule, severity: ruleSeverity, message: `${MARK}${r.message}` };
    }),
  };
}

const ruleIndexes = fc.subarray([0, 1, 2, 3, 4], { minLength: 1 });
// What grows most on escaping: `&` is five characters posted, `<` and `>` four.
const growing = fc.tuple(fc.constantFrom('&', '<', '>', '&<>'), fc.integer({ min: 1, max: 10_000 })).map(([piece, n]) => piece.repeat(n));

/** Up to three messages' worth of new tokens: each with its own text, or, as in issue 23, one text in every field of every token. */
const newTokenEntries = fc.integer({ min: 1, max: 3 * NEW_TOKENS_PER_MESSAGE }).chain((n) =>
  fc.oneof(
    fc.tuple(...Array.from({ length: n }, () => fc.record({ name: hostile, issuer: hostile, role: hostile, account: hostile, message: hostile, severity, rules: ruleIndexes }))).map(
      (texts) => texts.map((t, i) => newTokenEntry(i, t)),
    ),
    fc.tuple(fc.oneof(hostile, growing), severity, ruleIndexes).map(([text, sev, rules]) =>
      Array.from({ length: n }, (_, i) => newTokenEntry(i, { name: text, issuer: text, role: text, account: text, message: text, severity: sev, rules })),
    ),
  ),
);

/** Tokens for a digest: each with its own text, or one text in every field of every token. */
const digestRows = fc.oneof(
  fc.array(row, { minLength: 1, maxLength: 40 }),
  fc
    .tuple(fc.oneof(hostile, growing), fc.integer({ min: 1, max: 40 }), ruleIndexes)
    .map(([text, n, rules]) => Array.from({ length: n }, () => ({ name: text, owner: text, role: text, account: text, rules }))),
);

const muteChange = fc
  .record({ kind: fc.constantFrom<MuteChange['kind']>('added', 'removed', 'lapsed'), by: hostile, reason: hostile, addedBy: hostile })
  .map(
    (r): MuteChange => ({
      kind: r.kind,
      by: `${MARK}${r.by}`,
      mute: { id: 'm-1', rule: 'stale', clientId: 1000, tokenId: 1, reason: `${MARK}${r.reason}`, by: `${MARK}${r.addedBy}`, untilText: '2026-12-31' },
    }),
  );

describe('fuzz: every Slack layout, measured as posted', () => {
  it('"New token" messages name every token once, in three lines, within Slack limits, whatever the tokens say', () => {
    fc.assert(
      fc.property(
        newTokenEntries,
        fc.nat({ max: 50 }),
        (entries, left) => {
          const messages = layoutNewTokens({ route: 'default', entries, left });
          expectSafe(messages);
          expect(messages).toHaveLength(Math.ceil(entries.length / NEW_TOKENS_PER_MESSAGE));
          const sections = messages.flatMap((m) => textObjects(m).filter((t) => t.block === 'section'));
          expect(sections.map((t) => Number(/\(token (\d+)\)/.exec(t.text)?.[1]))).toEqual(entries.map((e) => e.tokenId));
          for (const [i, t] of sections.entries()) {
            const lines = t.text.split('\n');
            expect(lines).toHaveLength(3);
            // every rule is named, however long its message
            expect(lines[2]?.split(' · ').map((r) => r.split(' (')[0])).toEqual(entries[i]?.rules.map((r) => r.rule));
          }
        },
      ),
      { numRuns: 60, seed: 23 },
    );
  });

  it('digests (new, reminders, resolutions, mute notes) stay within Slack limits and their message budget, at every budget', () => {
    fc.assert(
      fc.property(digestRows, fc.array(muteChange, { maxLength: 12 }), fc.constantFrom(1, 2, 3, 20), (rows, changes, budget) => {
        const findings = toFindings(rows);
        const results: TokenResult[] = rows.map((_, i) => ({ clientId: 1000 + (i % 3), tokenId: i + 1, status: 'audited', findings: [] }));
        const options = { minSeverity: 'low' as const, renotifyAfterHours: 168, routes: [] };
        const notes = muteNotes(changes);
        const post = (plan: ReturnType<typeof planAlerts>, now: Date) => {
          const route = plan.routes[0];
          if (route === undefined) {
            throw new Error('no default route');
          }
          const input = { plan: route, stateless: false, runId: 'run-1', trigger: 'schedule' as const, minSeverity: 'low' as const, detailSeverity: 'low' as const, now, notes, listing: 'findings' as const };
          const messages = digestMessages(input, budget);
          expectSafe(messages);
          expect(messages.length).toBeGreaterThan(0);
          expect(messages.length).toBeLessThanOrEqual(budget);
          return messages;
        };

        const first = planAlerts(new Map(), findings, { results }, { ...options, now: NOW });
        const posted = post(first, NOW);
        // every note is told, one line each, whatever else the budget rolls up
        const lines = posted.flatMap((m) => textObjects(m).flatMap((t) => t.text.split('\n')));
        expect(lines.filter((l) => /^(🔇|🔔|⏰) /u.test(l))).toHaveLength(notes.length);
        const later = new Date(NOW.getTime() + 169 * HOUR);
        const state = new Map<string, AlertState>(first.upserts.map((u) => [u.key, u]));
        const kept = findings.filter((f) => (f.tokenId ?? 0) % 2 === 0);
        const gone = results.map((r): TokenResult => (r.tokenId % 2 === 1 ? { ...r, status: 'gone' } : r));
        post(planAlerts(state, kept, { results: gone }, { ...options, now: later }), later);
      }),
      { numRuns: 40, seed: 2509 },
    );
  });
});
