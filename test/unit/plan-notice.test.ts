import { describe, expect, it } from '@jest/globals';
import { planNotice, routeFailingFor } from '../../src/alerts/plan-notice.js';
import type { Route } from '../../src/alerts/route-findings.js';
import type { SlackSettings } from '../../src/alerts/slack-settings.js';
import type { FailingRoute } from '../../src/core/route-failing.js';
import { finding } from '../support/findings.js';
import { NOW } from '../support/tokens.js';

const team: Route = { name: 'team', webhookEnv: 'TEAM_WEBHOOK', match: { accounts: [789] }, continue: false };
const catchAll: Route = { name: 'all', webhookEnv: 'ALL_WEBHOOK', match: {}, continue: false };
const settings = (routes: Route[]): SlackSettings => ({ minSeverity: 'low', renotifyAfterHours: 168, maxMessagesPerRun: 5, detailSeverity: 'high', routes });
const failing = (route: string): FailingRoute => ({ route, attempts: 3, since: '2026-11-28T00:00:00.000Z', reason: 'HTTP 404 no_service' });

const lapse = { id: 'r-0000000a', tokenId: 101, fingerprint: { name: 'deploy-bot' }, status: 'lapsed' };
const dryRun = { id: 'r-0000000b', tokenId: 103, fingerprint: { name: 'old-key' }, status: 'dry-run', kind: 'quarantine', outcome: 'dry run: would have been deleted at its deadline; nothing was deleted' };
/** Every text of the messages, context lines included. */
const texts = (messages: readonly unknown[]) => JSON.stringify(messages);

const mute = { kind: 'added' as const, by: 'alice', mute: { id: 'm-1', rule: null, clientId: 456, tokenId: 102, reason: 'vault', by: 'alice', untilText: '2026-12-20' } };

describe('planNotice: one decision of what to tell Slack', () => {
  it('a worker run (or its preview) is told against the previous states and lists with `findings`', () => {
    const open = finding(101);
    const first = planNotice({ run: { id: 'run-1', trigger: 'schedule' }, previous: new Map(), findings: [open], results: [], settings: settings([]), now: NOW });
    const previous = new Map(first.plan.upserts.map((s) => [s.key, s]));
    const second = planNotice({ run: { id: 'run-2', trigger: 'manual' }, previous, findings: [open], results: [], settings: settings([]), now: NOW });
    expect(texts(first.digests[0]?.messages ?? [])).toContain('gcore-token-audit findings');
    expect(texts(first.digests[0]?.messages ?? [])).toContain('Run run-1 (scheduled)');
    // Told once: the same open finding a run later (not yet due a reminder) is no news.
    expect(second.digests).toEqual([]);
  });

  it("`audit` remembers nothing: everything open is told each time, listed by re-running the audit", () => {
    const notice = planNotice({ run: { id: 'a-1', trigger: 'audit' }, previous: new Map(), findings: [finding(101)], results: [], settings: settings([]), now: NOW });
    const text = texts(notice.digests[0]?.messages ?? []);
    expect(text).toContain('One-shot audit a-1');
    expect(text).toContain('gcore-token-audit audit --format json');
    expect(text).toContain('Open findings');
  });

  it('notes are the mute changes, then the lapsed revocations, in every route a finding can reach', () => {
    const notice = planNotice({
      run: { id: 'run-1', trigger: 'schedule' },
      previous: new Map(),
      findings: [],
      results: [],
      settings: settings([team]),
      now: NOW,
      muteChanges: [mute],
      lapses: { records: [lapse, dryRun], approvalHours: 48 },
    });
    expect(notice.notes).toEqual([
      '🔇 alice muted every rule on token 102 (account 456) until 2026-12-20: vault (m-1)',
      '⌛ Revocation request r-0000000a for token deploy-bot (token 101) lapsed: not approved within 48 h',
      '🛡️ Quarantine r-0000000b of token old-key (token 103) ended dry-run: dry run: would have been deleted at its deadline; nothing was deleted',
    ]);
    expect(notice.digests.map((d) => d.route)).toEqual(['team', 'default']);
    for (const d of notice.digests) {
      expect(texts(d.messages)).toContain('not approved within 48 h');
    }
  });
});

describe('routeFailingFor: a failing route is a finding only where a run could post', () => {
  it('a configured route and the default one are findings; a route no longer configured is not', () => {
    const found = routeFailingFor([failing('team'), failing('default'), failing('gone')], settings([team]));
    expect(found.map((f) => f.route)).toEqual(['team', 'default']);
  });

  it('the default route is not one when a catch-all route leaves it unused', () => {
    const found = routeFailingFor([failing('all'), failing('default')], settings([catchAll]));
    expect(found.map((f) => f.route)).toEqual(['all']);
  });
});
