import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { runCli } from '../../src/app/cli/run-cli.js';
import type { RouteMessages } from '../../src/alerts/slack/digest-messages.js';
import { createRevocationStore } from '../../src/store/revocation-store.js';
import { gcoreToken } from '../support/gcore-stand-in.js';
import { workerHarness, type Harness } from '../support/worker-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const KEY_789 = '789_plan-matches-worker-key';
const TEAM_PATH = '/services/T000/BTEAM/planXXsecretXX';
const DAY_MS = 86_400_000;
// The issuer rules read the company directory: user 77 has left.
const dir = mkdtempSync(join(tmpdir(), 'plan-matches-worker-'));
const PEOPLE = join(dir, 'people.csv');
writeFileSync(PEOPLE, 'email,status,left_at\nuser77@example.com,left,2026-11-20\n');
const CONFIG = [
  'gcore: { concurrency: 4, retries: 1 }',
  'accounts: [{ clientId: 456, name: Production CDN }, { clientId: 789, apiKeyEnv: GCORE_API_KEY_789 }]',
  'notify: { slack: { detailSeverity: medium, renotifyAfterHours: 24, routes: [{ name: team, webhookEnv: SLACK_WEBHOOK_URL_TEAM, match: { accounts: [789] } }] } }',
  `issuers: { directory: { file: ${PEOPLE} } }`,
  '',
].join('\n');

const admin = (id: number, clientId: number) =>
  gcoreToken(id, { exp_date: null, client_user: { ...(gcoreToken(id, {}, clientId).client_user as object), role: { id: 1, name: 'Administrators' } } }, clientId);

async function cli(x: Harness, argv: string[]): Promise<{ code: number; stdout: string }> {
  const out: string[] = [];
  const code = await runCli(argv, { stdout: { write: (s: string) => out.push(s) }, env: { ...x.env, USER: 'alice' }, logDestination: x.logs, clock: () => x.now });
  return { code, stdout: out.join('') };
}

/** What the Slack stand-in accepted since `from`, as plan's JSON gives it: each route's payloads in order. */
function posted(x: Harness, from: number): RouteMessages[] {
  const byRoute = new Map<string, RouteMessages['messages']>();
  for (const p of x.slack.accepted().slice(from)) {
    const route = p.path === TEAM_PATH ? 'team' : 'default';
    byRoute.set(route, [...(byRoute.get(route) ?? []), { text: p.body.text as string, blocks: p.body.blocks as RouteMessages['messages'][number]['blocks'] }]);
  }
  return [...byRoute].map(([route, messages]) => ({ route, messages }));
}

describe('plan previews what the worker posts (one planNotice)', () => {
  it('the same estate (tokens, alert states, mutes, routes, the directory, lapsed revocations, the clock) gives plan and the worker the same Slack payloads', async () => {
    h = await workerHarness({ config: CONFIG, env: { GCORE_API_KEY_789: KEY_789 } });
    const x = h;
    x.gcore.keys.set(KEY_789, 789);
    const leaver = gcoreToken(107, { client_user: { ...(gcoreToken(107).client_user as object), user_id: 77, user_email: 'user77@example.com' } });
    x.gcore.accounts.get(456)?.set(107, leaver);
    x.gcore.accounts.set(789, new Map([[301, gcoreToken(301, { exp_date: null }, 789)], [302, admin(302, 789)]]));
    x.env.SLACK_WEBHOOK_URL_TEAM = x.slack.addWebhook(TEAM_PATH);
    await x.startWorker();
    const first = await x.trigger();
    expect(first.code).toBe(0);
    expect(first.report?.findings.filter((f) => f.rule === 'issuer-left').map((f) => f.tokenId)).toEqual([107]);

    // Two days on: every route's states are due a reminder; one finding resolves, two tokens are new, one token
    // is muted (a note, told once), and a revocation request has waited past approvalHours (a note, told once).
    x.now = new Date(x.now.getTime() + 2 * DAY_MS);
    x.gcore.accounts.get(456)?.set(104, gcoreToken(104, { exp_date: '2027-01-01T00:00:00.000000Z' }));
    x.gcore.accounts.get(456)?.set(106, admin(106, 456));
    x.gcore.accounts.get(789)?.set(303, admin(303, 789));
    const mute = await cli(x, ['mute', 'add', '--account', '456', '--token', '103', '--reason', 'kept in the vault', '--until', '2026-12-20']);
    expect(mute.code).toBe(0);
    // One request the run will find past approvalHours, one `revoke list` already marked lapsed (not told yet).
    const revocations = createRevocationStore(x.redis, x.prefix);
    for (const [id, tokenId, hoursAgo] of [['r-0000beef', 105, 100], ['r-0000cafe', 101, 120]] as const) {
      const requestedAt = new Date(x.now.getTime() - hoursAgo * 3_600_000);
      await revocations.add({
        id, clientId: 456, tokenId, reason: 'left', requestedBy: 'alice', requestedAt: requestedAt.toISOString(), requestedAtMs: requestedAt.getTime(),
        findings: [], fingerprint: { name: `token-${tokenId}`, roleId: 2, roleName: 'Users', expDate: null, lastUsage: null, issuerId: 123 },
        status: 'pending', approvedBy: null, approvedAt: null, owner: null, attempt: 0, leaseUntil: null, outcome: null, finishedAt: null,
      });
    }
    await revocations.close('r-0000cafe', 'lapsed', null, 'not approved in time', x.now);

    const plan = await cli(x, ['plan', '--config', x.configPath, '--format', 'json', '--now', x.now.toISOString()]);
    expect(plan.code).toBe(0);
    const before = x.slack.accepted().length;
    const run = await x.trigger();
    expect(run.code).toBe(0);
    const runId = run.report?.runId ?? '';
    expect(runId).toMatch(/^manual-/);

    // The one thing plan cannot know is the next run's id: its preview names the run after itself.
    const planIds = plan.stdout.match(/plan-[0-9a-f-]{36}/g) ?? [];
    expect(planIds.length).toBeGreaterThan(0);
    const preview = JSON.parse(plan.stdout.replaceAll(planIds[0] as string, runId)) as { slack: RouteMessages[] };
    const worker = posted(x, before);
    expect(preview.slack).toEqual(worker);

    // What was compared holds every kind of news, in both routes: the equality is not of two empty digests.
    const text = JSON.stringify(worker);
    expect(worker.map((d) => d.route).sort()).toEqual(['default', 'team']);
    for (const told of ['token-106', 'token-303', 'issuer-left', 'Resolved', 'Still open (reminder)', 'alice muted', 'Revocation request r-0000beef', 'Revocation request r-0000cafe']) {
      expect(text).toContain(told);
    }
  }, 60_000);
});
