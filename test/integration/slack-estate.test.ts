import { afterEach, describe, expect, it } from '@jest/globals';
import { runCli } from '../../src/app/cli/run-cli.js';
import type { Report } from '../../src/core/report.js';
import { gcoreToken } from '../support/gcore-stand-in.js';
import { logSink } from '../support/log-sink.js';
import { startSlackStandIn, type SlackStandIn } from '../support/slack-stand-in.js';
import { workerHarness, type Harness } from '../support/worker-harness.js';

// An estate as issue 8 tried it: 20 accounts × 100 tokens, about 2,000 findings, 30 critical and 60 high tokens.
const ACCOUNTS = Array.from({ length: 20 }, (_, i) => 1001 + i);
const HOUR = 3_600_000;
const keyOf = (clientId: number) => `${clientId}_estate-key`;
const tokenId = (clientId: number, i: number) => clientId * 1000 + i;

function estateToken(clientId: number, i: number): Record<string, unknown> {
  const admin = { id: 1, name: 'Administrators' };
  const user = (role: { id: number; name: string }) => ({
    role,
    deleted: false,
    user_id: 7,
    user_name: 'Jane Roe',
    user_email: `owner-${clientId}@example.com`,
    client_id: clientId,
  });
  const id = tokenId(clientId, i);
  if (i === 0 || (i === 1 && clientId % 2 === 0)) {
    return gcoreToken(id, { exp_date: null, client_user: user(admin) }, clientId); // never-expiring-admin: critical
  }
  if (i >= 2 && i <= 4) {
    // an Administrators token unused for 200 days: stale, high
    return gcoreToken(id, { exp_date: '2027-06-01T00:00:00.000000Z', last_usage: '2026-05-13T00:00:00.000000Z', client_user: user(admin) }, clientId);
  }
  return gcoreToken(id, { exp_date: null, client_user: user({ id: 2, name: 'Users' }) }, clientId); // never-expiring: medium
}

const CRITICAL = ACCOUNTS.flatMap((c) => (c % 2 === 0 ? [tokenId(c, 0), tokenId(c, 1)] : [tokenId(c, 0)]));
const HIGH = ACCOUNTS.flatMap((c) => [2, 3, 4].map((i) => tokenId(c, i)));

function configYaml(extra = ''): string {
  const accounts = ACCOUNTS.map((c) => `  - { clientId: ${c}, name: "Team ${c}", apiKeyEnv: GCORE_API_KEY_${c} }`).join('\n');
  return `gcore: { concurrency: 32, retries: 1 }\naccounts:\n${accounts}\n${extra}`;
}

function env(): Record<string, string> {
  return Object.fromEntries(ACCOUNTS.map((c) => [`GCORE_API_KEY_${c}`, keyOf(c)]));
}

function stock(h: Harness): void {
  h.gcore.accounts.delete(456);
  for (const c of ACCOUNTS) {
    h.gcore.keys.set(keyOf(c), c);
    h.gcore.accounts.set(c, new Map(Array.from({ length: 100 }, (_, i) => [tokenId(c, i), estateToken(c, i)])));
  }
}

function headerOf(report: Report, fresh: boolean): string {
  const open = report.findings.filter((f) => !f.muted);
  const count = (s: string) => open.filter((f) => f.severity === s).length.toLocaleString('en-US');
  const state = `${open.length.toLocaleString('en-US')} open (${count('critical')} critical, ${count('high')} high)`;
  return fresh ? `${open.length.toLocaleString('en-US')} new · 0 resolved · ${state}` : state;
}

const named = (posts: SlackStandIn['posts'], ids: number[]) => ids.filter((id) => posts.some((p) => p.raw.includes(`(token ${id})`)));

let h: Harness | undefined;
let oncall: SlackStandIn | undefined;
afterEach(async () => {
  await h?.close();
  await oncall?.close();
  h = oncall = undefined;
});

describe('the Slack stream over 20 accounts × 100 tokens', () => {
  it('first run: at most 3 messages naming every critical and high token; unchanged: none; a week later: one reminder', async () => {
    h = await workerHarness({ tokens: 0, config: configYaml(), env: env() });
    stock(h);
    await h.startWorker();
    const first = await h.trigger();
    expect(first.code).toBe(0);
    const report = first.report as Report;
    expect(report.summary.tokensAudited).toBe(2000);
    expect(report.summary.findings).toBeGreaterThan(1900);
    const posts = h.slack.accepted();
    expect(posts.length).toBeGreaterThanOrEqual(1);
    expect(posts.length).toBeLessThanOrEqual(3);
    expect(named(posts, CRITICAL)).toEqual(CRITICAL);
    expect(named(posts, HIGH)).toEqual(HIGH);
    const header = `Gcore token audit: ${headerOf(report, true)}`;
    expect(posts.map((p) => p.body.text?.replace(/ \(\d\/\d\)$/, ''))).toEqual(posts.map(() => header));
    expect(posts[0]?.raw).toContain('Team 1001 (1001)');
    expect(posts[0]?.raw).toContain('owner owner-1001@example.com');
    // triage first: the accounts holding two critical tokens lead, each with its counts by severity
    const triage = ((posts[0]?.body.blocks?.[2] as { text?: { text?: string } } | undefined)?.text?.text ?? '').split('\n');
    expect(triage.slice(0, 2)).toEqual(['By account', '🔴 Team 1002 (1002): 2 critical · 3 high · 95 medium']);
    expect(posts.map((p) => p.raw).join()).toContain('Everything: `gcore-token-audit findings`');

    await h.trigger();
    expect(h.slack.accepted().length).toBe(posts.length); // unchanged: nothing

    h.now = new Date(h.now.getTime() + 169 * HOUR);
    await h.trigger();
    const reminders = h.slack.accepted().slice(posts.length);
    expect(reminders).toHaveLength(1);
    expect(reminders[0]?.raw).toContain('Still open (reminder)');
    expect(named(reminders, CRITICAL)).toEqual(CRITICAL);

    h.now = new Date(h.now.getTime() + HOUR);
    await h.trigger();
    expect(h.slack.accepted().length).toBe(posts.length + 1); // reminded together: due together again
  }, 180_000);

  it('two routes: critical findings reach the on-call webhook only, the rest the default, each within its budget', async () => {
    oncall = await startSlackStandIn('/services/T1/B1/oncallSecretPath');
    const routes = 'notify:\n  slack:\n    routes:\n      - { name: oncall, webhookEnv: SLACK_WEBHOOK_URL_ONCALL, match: { minSeverity: critical } }\n';
    h = await workerHarness({ tokens: 0, config: configYaml(routes), env: { ...env(), SLACK_WEBHOOK_URL_ONCALL: oncall.webhookUrl } });
    stock(h);
    await h.startWorker();
    const run = await h.trigger();
    const toOncall = oncall.accepted();
    const toDefault = h.slack.accepted();
    expect(toOncall.length).toBeGreaterThanOrEqual(1);
    expect(toOncall.length).toBeLessThanOrEqual(3);
    expect(toDefault.length).toBeGreaterThanOrEqual(1);
    expect(toDefault.length).toBeLessThanOrEqual(3);
    expect(named(toOncall, CRITICAL)).toEqual(CRITICAL);
    expect(named(toOncall, HIGH)).toEqual([]);
    // each route sees part of the run: its header says how much of it
    const all = (run.report as Report).findings.length.toLocaleString('en-US');
    const here = CRITICAL.length;
    expect(toOncall.every((p) => p.body.text?.startsWith(`Gcore token audit: ${here} new here · ${all} new in all · 0 resolved · ${here} open here (${here} critical, 0 high) · ${all} open in all`))).toBe(true);
    expect(named(toDefault, CRITICAL)).toEqual([]);
    expect(named(toDefault, HIGH)).toEqual(HIGH);
    expect(toDefault.map((p) => p.raw).join()).not.toContain('critical)');
  }, 120_000);

  it('audit --notify over the same estate posts at most maxMessagesPerRun messages', async () => {
    h = await workerHarness({ tokens: 0, config: configYaml(), env: env() });
    stock(h);
    const out: string[] = [];
    const code = await runCli(['audit', '--config', h.configPath, '--notify', '--format', 'json'], {
      stdout: { write: (s: string) => out.push(s) },
      env: { ...h.env, LOG_LEVEL: 'warn' },
      logDestination: logSink(),
      slack: { minIntervalMs: 10 },
    });
    expect(code).toBe(0);
    const report = JSON.parse(out.join('')) as Report;
    const posts = h.slack.accepted();
    expect(posts.length).toBeGreaterThanOrEqual(1);
    expect(posts.length).toBeLessThanOrEqual(3);
    expect(named(posts, CRITICAL)).toEqual(CRITICAL);
    expect(posts[0]?.body.text?.replace(/ \(\d\/\d\)$/, '')).toBe(`Gcore token audit: ${headerOf(report, false)}`);
  }, 120_000);
});

describe('coverage-gap through the worker', () => {
  it('a rejected key: posted once, reminded while it lasts, resolved as "coverage restored" when the key works', async () => {
    const config = 'gcore: { retries: 1 }\naccounts:\n  - { clientId: 456 }\n  - { clientId: 789, name: Billing, apiKeyEnv: GCORE_API_KEY_789 }\n';
    h = await workerHarness({ tokens: 2, config, env: { GCORE_API_KEY_789: '789_estate-key' } });
    h.gcore.accounts.set(789, new Map([[201, gcoreToken(201, { exp_date: null }, 789)]]));
    await h.startWorker();
    const first = await h.trigger(); // the key of 789 is unknown to Gcore: 401
    expect(first.report?.findings.filter((f) => f.rule === 'coverage-gap').map((f) => [f.clientId, f.tokenId, f.accountName])).toEqual([[789, null, 'Billing']]);
    expect(h.slack.accepted()).toHaveLength(1);
    expect(h.slack.accepted()[0]?.raw).toContain('Billing (789)');
    expect(h.slack.accepted()[0]?.raw).toContain('coverage-gap (high): 1 account*');
    expect(h.slack.accepted()[0]?.raw).toMatch(/Billing \(789\) · Not fully audited: [^"]*rejected/);

    await h.trigger();
    expect(h.slack.accepted()).toHaveLength(1); // the same gap: not news

    h.now = new Date(h.now.getTime() + 169 * HOUR);
    await h.trigger();
    expect(h.slack.accepted()).toHaveLength(2);
    expect(h.slack.accepted()[1]?.raw).toContain('coverage-gap (high): 1 open');

    h.gcore.keys.set('789_estate-key', 789); // the key works again
    await h.trigger();
    expect(h.slack.accepted()).toHaveLength(3);
    const restored = h.slack.accepted()[2]?.raw ?? '';
    expect(restored).toContain('Billing (789) · coverage-gap: coverage restored');
    expect(restored).toContain('never-expiring (medium): 1 — Billing (789): 1'); // and the token it could not see is now new
  }, 60_000);
});
