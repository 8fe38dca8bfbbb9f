import { expect } from '@jest/globals';
import { findingId, type Finding } from '../../src/core/finding.js';
import type { TokenResult } from '../../src/core/report.js';
import type { RuleId } from '../../src/core/rule-catalog.js';
import type { Severity } from '../../src/core/severity.js';
import { MESSAGE_CHAR_BUDGET, SLACK_LIMITS, type Block, type SlackMessage, type TextObject } from '../../src/alerts/slack/slack-message.js';
import { finding } from './findings.js';

/** Names and owners written by whoever created the token: what the digest must keep inert. */
export const HOSTILE = [
  '<!channel> rotate now',
  '<@U1> look',
  '#general',
  'https://evil.example/login',
  '<https://evil.example|click me>',
  '*bold* _it_ ~st~ `code`',
  'evil\u202Etxt.exe',
  'zero\u200Dwidth\u200Djoined',
  'two\nlines\r\nthree',
  '\uFEFFbom \u2066isolate\u2069 \u200Bzwsp',
] as const;

export interface EstateOptions {
  readonly accounts?: number;
  readonly tokensPerAccount?: number;
  /** One token in this many is a never-expiring Administrators token (critical). */
  readonly criticalEvery?: number;
  /** Put HOSTILE text in a few token names, owners, roles and account names. */
  readonly hostile?: boolean;
}

export interface Estate {
  readonly findings: Finding[];
  /** One per token: what a run read (audit-failed tokens failed). */
  readonly results: TokenResult[];
  readonly accounts: { readonly clientId: number; readonly name: string }[];
  /** Token ids (unique across the estate) by their highest severity. */
  readonly criticalTokens: number[];
  readonly highTokens: number[];
}

const FIRST_CLIENT = 1001;

/**
 * A deterministic estate of `accounts` × `tokensPerAccount` tokens (default 20 × 100, 1,900-odd findings: 30
 * critical tokens, 60-odd high, the rest medium and low, some tokens breaking two rules, a few hostile names).
 * Token ids run 1..N across the estate, so `(token N)` names one token.
 */
export function estate(options: EstateOptions = {}): Estate {
  const accountCount = options.accounts ?? 20;
  const perAccount = options.tokensPerAccount ?? 100;
  const criticalEvery = options.criticalEvery ?? 67;
  const hostile = options.hostile ?? true;
  const accounts = Array.from({ length: accountCount }, (_, a) => ({
    clientId: FIRST_CLIENT + a,
    name: hostile && a % 7 === 3 ? `${HOSTILE[a % HOSTILE.length] ?? ''} acct` : `acct-${String(a + 1).padStart(2, '0')}`,
  }));
  const findings: Finding[] = [];
  const results: TokenResult[] = [];
  const criticalTokens: number[] = [];
  const highTokens: number[] = [];

  for (const [a, account] of accounts.entries()) {
    for (let i = 0; i < perAccount; i++) {
      const k = a * perAccount + i;
      const tokenId = k + 1;
      const odd = hostile && k % 233 === 5;
      const base: Partial<Finding> = {
        clientId: account.clientId,
        accountName: account.name,
        tokenId,
        tokenName: odd ? (HOSTILE[k % HOSTILE.length] ?? '') : `svc-${tokenId}`,
        owner: odd ? (HOSTILE[(k + 3) % HOSTILE.length] ?? '') : `team-${k % 9}@example.com`,
        role: odd && k % 2 === 0 ? (HOSTILE[(k + 5) % HOSTILE.length] ?? '') : 'Users',
      };
      const hits: { rule: RuleId; severity: Severity; message: string; extra?: Partial<Finding> }[] = [];
      let status: TokenResult['status'] = 'audited';
      if (k % criticalEvery === 0) {
        criticalTokens.push(tokenId);
        hits.push({ rule: 'never-expiring-admin', severity: 'critical', message: 'Administrators token that never expires.', extra: { role: 'Administrators' } });
        if (k % 2 === 0) {
          hits.push({ rule: 'stale', severity: 'medium', message: 'Not used for 120 days (limit: 90 days).', extra: { role: 'Administrators' } });
        }
      } else if (k % 33 === 1) {
        highTokens.push(tokenId);
        const which = k % 3;
        if (which === 0) {
          hits.push({ rule: 'stale', severity: 'high', message: 'Administrators token not used for 200 days (limit: 90 days).' });
        } else if (which === 1) {
          hits.push({ rule: 'orphaned', severity: 'high', message: 'Its issuer was deleted; the token still works.' });
        } else {
          status = 'failed';
          hits.push({
            rule: 'audit-failed',
            severity: 'high',
            message: 'Could not be audited: 500 from the Gcore API.',
            extra: { created: null, lastUsage: null, role: null },
          });
        }
      } else if (k % 10 < 8) {
        const pick = k % 4;
        if (pick === 0) {
          hits.push({ rule: 'never-used', severity: 'low', message: 'Never used since it was issued 40 days ago.', extra: { lastUsage: null } });
        } else if (pick === 1) {
          hits.push({ rule: 'lifetime-too-long', severity: 'medium', message: 'Valid for 730 days (limit: 365 days).', extra: { expDate: '2028-01-01T00:00:00.000Z' } });
        } else if (pick === 2) {
          hits.push({ rule: 'not-in-inventory', severity: 'medium', message: 'Not in the inventory.' });
        } else {
          hits.push({ rule: 'expiring-soon', severity: 'low', message: 'Expires in 5 days.', extra: { expDate: '2026-12-04T00:00:00.000Z' } });
        }
        if (k % 6 === 0) {
          hits.push({ rule: 'stale', severity: 'medium', message: 'Not used for 100 days (limit: 90 days).' });
        }
      }
      const tokenFindings = hits.map((h) =>
        finding(tokenId, h.rule, h.severity, { ...base, ...h.extra, id: findingId(account.clientId, tokenId, h.rule), message: h.message }),
      );
      findings.push(...tokenFindings);
      results.push({
        clientId: account.clientId,
        tokenId,
        status,
        findings: tokenFindings,
        ...(status === 'failed'
          ? {}
          : { snapshot: { expDate: null, expired: false, deleted: false, lastUsage: '2026-05-01T00:00:00.000Z', issuerDeleted: false, inInventory: true } }),
      });
    }
  }
  return { findings, results, accounts, criticalTokens, highTokens };
}

/** Every text object of a message, with the kind of block it sits in. */
export interface PlacedText {
  readonly block: Block['type'];
  readonly type: TextObject['type'];
  readonly text: string;
}

export function textObjects(m: SlackMessage): PlacedText[] {
  return m.blocks.flatMap((b): PlacedText[] =>
    b.type === 'header' || b.type === 'section'
      ? [{ block: b.type, type: b.text.type, text: b.text.text }]
      : b.type === 'context'
        ? b.elements.map((e) => ({ block: b.type, type: e.type, text: e.text }))
        : [],
  );
}

/** The plain_text of a set of messages, joined: where untrusted text and token ids may appear. */
export const plainText = (messages: readonly SlackMessage[]) =>
  messages.flatMap((m) => textObjects(m).filter((t) => t.type === 'plain_text').map((t) => t.text)).join('\n');

/** Slack's limits on one payload: 50 blocks, 150 a header, 3000 a section, 2000 and 10 elements a context, ~12k in all. */
export function expectWithinSlackLimits(messages: readonly SlackMessage[]): void {
  for (const m of messages) {
    expect(m.text.length).toBeGreaterThan(0);
    expect(m.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    let total = 0;
    for (const b of m.blocks) {
      if (b.type === 'header') {
        expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
      } else if (b.type === 'section') {
        expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      } else if (b.type === 'context') {
        expect(b.elements.length).toBeLessThanOrEqual(SLACK_LIMITS.contextElements);
        for (const e of b.elements) {
          expect(e.text.length).toBeLessThanOrEqual(SLACK_LIMITS.contextText);
        }
      }
    }
    for (const t of textObjects(m)) {
      expect(t.text.length).toBeGreaterThan(0);
      total += t.text.length;
    }
    expect(total).toBeLessThanOrEqual(MESSAGE_CHAR_BUDGET);
  }
}

/**
 * The estate a new user met (issue 18): 20 accounts × 100 tokens, 620 findings: 100 never-expiring
 * Administrators tokens (critical, 2 to 8 an account, so accounts differ), 60 orphaned and 60 stale
 * Administrators tokens (high, 3 each an account, all called `purge-bot` and `legacy-admin`: the same name in
 * every account), 380 medium and 20 low. Token ids run 1..2000 across the estate.
 */
export function triageEstate(): Estate {
  const accounts = Array.from({ length: 20 }, (_, a) => ({ clientId: FIRST_CLIENT + a, name: a === 0 ? 'Production CDN' : `acct-${String(a + 1).padStart(2, '0')}` }));
  const findings: Finding[] = [];
  const results: TokenResult[] = [];
  const criticalTokens: number[] = [];
  const highTokens: number[] = [];
  for (const [a, account] of accounts.entries()) {
    const criticals = ((a % 4) + 1) * 2;
    for (let i = 0; i < 100; i++) {
      const tokenId = a * 100 + i + 1;
      const base: Partial<Finding> = {
        clientId: account.clientId,
        accountName: account.name,
        tokenId,
        tokenName: `svc-${tokenId}`,
        owner: i % 10 === 9 ? null : `team-${(a + i) % 7}@example.com`,
        role: 'Users',
      };
      let hit: { rule: RuleId; severity: Severity; message: string; extra?: Partial<Finding> } | null = null;
      if (i < criticals) {
        criticalTokens.push(tokenId);
        hit = { rule: 'never-expiring-admin', severity: 'critical', message: 'Administrators token that never expires.', extra: { role: 'Administrators', tokenName: `ci-deploy-${i}` } };
      } else if (i < 10 + 3) {
        if (i >= 10) {
          highTokens.push(tokenId);
          hit = { rule: 'orphaned', severity: 'high', message: 'Its issuer was deleted; the token still works.', extra: { tokenName: 'purge-bot' } };
        }
      } else if (i < 16) {
        highTokens.push(tokenId);
        hit = { rule: 'stale', severity: 'high', message: 'Administrators token not used for 200 days (limit: 90 days).', extra: { role: 'Administrators', tokenName: 'legacy-admin' } };
      } else if (i < 35) {
        const rule = (['lifetime-too-long', 'not-in-inventory', 'never-used', 'stale'] as const)[i % 4] ?? 'stale';
        hit = { rule, severity: 'medium', message: 'A medium finding.' };
      } else if (i === 35) {
        hit = { rule: 'expiring-soon', severity: 'low', message: 'Expires in 5 days.', extra: { expDate: '2026-12-04T00:00:00.000Z' } };
      }
      const tokenFindings =
        hit === null ? [] : [finding(tokenId, hit.rule, hit.severity, { ...base, ...hit.extra, id: findingId(account.clientId, tokenId, hit.rule), message: hit.message })];
      findings.push(...tokenFindings);
      results.push({
        clientId: account.clientId,
        tokenId,
        status: 'audited',
        findings: tokenFindings,
        snapshot: { expDate: null, expired: false, deleted: false, lastUsage: '2026-05-01T00:00:00.000Z', issuerDeleted: false, inInventory: true },
      });
    }
  }
  return { findings, results, accounts, criticalTokens, highTokens };
}
