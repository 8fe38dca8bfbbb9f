import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { planAlerts, type AlertState } from '../../src/alerts/plan-alerts.js';
import { findingId, type Finding } from '../../src/core/finding.js';
import type { TokenResult } from '../../src/core/report.js';
import type { RuleId } from '../../src/rules/rule-catalog.js';
import type { Severity } from '../../src/core/severity.js';
import type { SlackSettings } from '../../src/config/config.js';
import { digestMessages } from '../../src/slack/digest-messages.js';
import { PORTAL_URL, type SlackMessage } from '../../src/slack/slack-message.js';
import { expectWithinSlackLimits, HOSTILE, textObjects } from '../support/estate.js';
import { finding } from '../support/findings.js';
import { NOW } from '../support/tokens.js';

// Every untrusted value starts with it, so the test can tell where untrusted text went.
const MARK = 'UNTRUSTED';
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;
const HOUR = 3_600_000;

const hostile = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.constantFrom(...HOSTILE, '<!here>', '<!everyone>', '<#C024BE7LR>', '<mailto:x@evil.example|mail>', '&lt;!channel&gt;', '&amp;',
    '\n\n> quote', '```block```', 'a'.repeat(5000), '🚀'.repeat(2000), '<<<>>>&&&', '\u200b\u200c\u200d\u200e\u200f', '\u202a\u202b\u202c\u202d\u202e',
    '\u2066\u2067\u2068\u2069\ufeff'),
  fc.array(fc.constantFrom('<', '>', '&', '!', '@', '#', '|', '*', '_', '~', '`', 'http://x', 'https://evil.example', ' ', '\n', '\u202e', '\u200d'), { maxLength: 200 }).map((a) => a.join('')),
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
    expect(INVISIBLE.test(JSON.stringify(m))).toBe(false);
    for (const t of textObjects(m)) {
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
