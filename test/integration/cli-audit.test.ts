import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { runCli } from '../../src/app/cli/run-cli.js';
import type { Report } from '../../src/core/report.js';
import { gcoreToken, startGcoreStandIn, type GcoreStandIn } from '../support/gcore-stand-in.js';
import { startSlackStandIn, type SlackStandIn } from '../support/slack-stand-in.js';
import { logSink } from '../support/log-sink.js';

const NOW = '2026-11-29T12:00:00Z';
const day = (offset: number) => new Date(Date.parse(NOW) + offset * 86_400_000).toISOString().replace('Z', '000Z');
const KEY_456 = '456_gcore-secret-key-aaaa';
const KEY_789 = '789_gcore-secret-key-bbbb';
const ADMIN = { id: 1, name: 'Administrators' };
const user = (overrides: Record<string, unknown> = {}, clientId = 456) => ({
  role: { id: 2, name: 'Users' },
  deleted: false,
  user_id: 7,
  user_name: 'Jane Roe',
  user_email: 'jane@example.com',
  client_id: clientId,
  ...overrides,
});

let gcore: GcoreStandIn;
let slack: SlackStandIn;
let dir: string;

function writeConfig(yaml: string): string {
  const path = join(dir, `audit-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, yaml);
  return path;
}

const CONFIG = `
gcore: { concurrency: 3, timeoutMs: 2000, retries: 2 }
accounts:
  - clientId: 456
    discover: true
    tokens: [101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 112, { id: 116, owner: security }]
  - clientId: 789
    apiKeyEnv: GCORE_API_KEY_789
    discover: false
    tokens: [{ id: 201, owner: platform-team }, 202]
policy:
  roles:
    Administrators: { staleAfterDays: 30 }
mutes:
  - { rule: never-expiring-admin, clientId: 456, tokenId: 116, reason: break-glass token kept in the vault, until: 2027-01-31 }
`;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cli-'));
  gcore = await startGcoreStandIn();
  slack = await startSlackStandIn();
  gcore.keys.set(KEY_456, 456);
  gcore.keys.set('unrelated-key-for-789', 789); // 789's configured key is not this one: 401
  const t = (id: number, o: Record<string, unknown>) => [id, gcoreToken(id, { created: day(-200), exp_date: day(100), last_usage: day(-1), client_user: user(), ...o })] as const;
  gcore.accounts.set(
    456,
    new Map<number, unknown>([
      t(101, { exp_date: null, client_user: user({ role: ADMIN }) }), // never-expiring-admin
      t(102, { exp_date: null }), // never-expiring
      t(103, { last_usage: day(-91) }), // stale (medium)
      t(104, { last_usage: day(-31), client_user: user({ role: ADMIN }) }), // stale (high, role override)
      t(105, { last_usage: null, created: day(-31) }), // never-used
      t(106, { created: day(-10), exp_date: day(400) }), // lifetime-too-long
      t(107, { exp_date: day(3) }), // expiring-soon
      t(108, { client_user: user({ deleted: true }) }), // client_user.deleted alone: no finding (Gcore's token flag, not the issuer's)
      t(109, { deleted: true, exp_date: null }), // token-gone (deleted)
      // 110: in the inventory, not in the account: 404 → token-gone
      t(111, {}), // discovered, not in the inventory
      t(112, { last_usage: 'yesterday' }), // invalid: audit-failed naming last_usage
      t(116, { exp_date: null, client_user: user({ role: ADMIN }) }), // never-expiring-admin, muted
      t(117, { name: '<!channel> <https://evil.example|click>', deleted: false }), // discovered, hostile name
    ]),
  );
  gcore.accounts.set(789, new Map([[201, gcoreToken(201, {}, 789)]]));
});

afterEach(async () => {
  await gcore.close();
  await slack.close();
});

async function audit(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const logs = logSink();
  const code = await runCli(['audit', ...args], {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
    env: { GCORE_API_URL: gcore.url, GCORE_API_KEY: KEY_456, GCORE_API_KEY_789: KEY_789, ...env },
    logDestination: logs,
    gcoreRetryBaseDelayMs: 5,
    slack: { sleep: () => Promise.resolve(), baseDelayMs: 1 },
  });
  return { code, stdout: out.join(''), stderr: err.join(''), logs };
}

describe('gcore-token-audit audit', () => {
  it('yields exactly the rules of the table for every token, posts the digest and leaks no secret', async () => {
    const { code, stdout, stderr, logs } = await audit(['--config', writeConfig(CONFIG), '--format', 'json', '--notify', '--now', NOW], {
      SLACK_WEBHOOK_URL: slack.webhookUrl,
    });
    // 789's key is refused: the audit is partial, and says which variable to fix.
    expect(code).toBe(6);
    expect(stderr).toBe('gcore-token-audit: GCORE_API_KEY_789 was rejected (401): account 789 was not audited\n');
    const report = JSON.parse(stdout) as Report;
    const got = report.findings.map((f) => `${f.clientId}:${f.tokenId}:${f.rule}:${f.severity}${f.muted ? ':muted' : ''}`).sort();
    expect(got).toEqual(
      [
        '456:101:never-expiring-admin:critical',
        '456:102:never-expiring:medium',
        '456:103:stale:medium',
        '456:104:stale:high',
        '456:105:never-used:medium',
        '456:106:lifetime-too-long:medium',
        '456:107:expiring-soon:low',
        '456:109:token-gone:info',
        '456:110:token-gone:info',
        '456:111:not-in-inventory:medium',
        '456:112:audit-failed:high',
        '456:116:never-expiring-admin:critical:muted',
        '456:117:not-in-inventory:medium',
        '789:null:coverage-gap:high', // the refused key is the account's one alert: no audit-failed per token
      ].sort(),
    );
    expect(report.summary).toEqual({
      accounts: 1,
      tokensAudited: 13,
      findings: 14,
      bySeverity: { info: 2, low: 1, medium: 6, high: 3, critical: 2 },
      muted: 1,
      failed: 3,
    });
    const byToken = new Map(report.findings.map((f) => [`${f.clientId}:${f.tokenId}`, f]));
    expect(byToken.get('456:112')?.message).toContain('last_usage');
    expect(byToken.get('456:112')?.tokenName).toBe('token-112'); // named from the listing
    expect(byToken.get('789:null')?.message).toBe('Not fully audited: GCORE_API_KEY_789 was rejected (401).');
    expect(byToken.get('456:116')?.muteReason).toBe('break-glass token kept in the vault');
    expect(report.warnings).toEqual(['account 789: GCORE_API_KEY_789 was rejected (401)']);
    expect(Object.keys(report.findings[0] ?? {}).sort()).toEqual(
      ['id', 'rule', 'severity', 'clientId', 'accountName', 'tokenId', 'tokenName', 'role', 'owner', 'issuer', 'created', 'lastUsage', 'expDate', 'message', 'remediation', 'muted', 'muteReason'].sort(),
    );

    // every token was read with the get endpoint, discovered ones included
    for (const id of [101, 111, 117]) {
      expect(gcore.requests).toContain(`GET /iam/v2/clients/456/tokens/${id}`);
    }

    const posted = slack.accepted();
    expect(posted.length).toBe(1);
    const body = posted[0]?.raw ?? '';
    // the header counts what the digest shows, and names the open unmuted findings below minSeverity it leaves out
    expect(posted[0]?.body.text).toBe('Gcore token audit: 11 open (1 critical, 3 high) · 2 below low not shown');
    expect(body).toContain('*Open findings* (11)');
    expect(body).not.toContain('<!channel>');
    expect(body).toContain('&lt;!channel&gt;');
    expect(body).not.toContain('token-116'); // muted: left out
    expect(body).toContain('1 muted · 2 below low, not posted');

    for (const secret of [KEY_456, KEY_789, slack.webhookUrl, 'XXXXsecretXXXX']) {
      expect(stdout).not.toContain(secret);
      expect(logs.text()).not.toContain(secret);
      expect(slack.posts.map((p) => p.raw).join()).not.toContain(secret);
    }
    expect(logs.parsed().every((l) => typeof l.level === 'string')).toBe(true);
  });

  it('holds an account whose key is refused: its coverage gap is its one finding, and no token is asked for after the refusal', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => 201 + i).join(', ');
    const config = writeConfig(`
gcore: { concurrency: 2 }
accounts:
  - { clientId: 789, apiKeyEnv: GCORE_API_KEY_789, discover: false, tokens: [${ids}] }
  - { clientId: 456, discover: false, tokens: [102] } # audited, so there is a report
`);
    const { stdout } = await audit(['--config', config, '--format', 'json', '--now', NOW]);
    const report = JSON.parse(stdout) as Report;
    expect(report.findings.filter((f) => f.clientId === 789).map((f) => [f.rule, f.message])).toEqual([
      ['coverage-gap', 'Not fully audited: GCORE_API_KEY_789 was rejected (401).'],
    ]);
    // concurrency 2: at most the two gets in flight when the first 401 came back
    expect(gcore.requests.filter((r) => r.includes('/clients/789/')).length).toBeLessThanOrEqual(2);
  });

  it('prints an aligned table sorted by severity with a summary line', async () => {
    const { code, stdout } = await audit(['--config', writeConfig(CONFIG), '--now', NOW]);
    expect(code).toBe(6);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SEVERITY\s+RULE\s+ACCOUNT\s+TOKEN\s+NAME\s+OWNER\s+MESSAGE$/);
    expect(lines[1]).toMatch(/^critical\s+never-expiring-admin\s+456\s+101\s/);
    const ruleColumn = lines[0]?.indexOf('RULE');
    expect(lines.slice(1, 14).every((l) => l.indexOf(' ', (ruleColumn ?? 0) - 2) < (ruleColumn ?? 0))).toBe(true);
    expect(stdout).toContain('14 findings (2 critical, 3 high, 6 medium, 1 low, 2 info) · 13 tokens audited in 1 account · 1 muted · 3 failed · 1 account not audited: key rejected\n');
  });

  it('exits 3 when an unmuted finding reaches --fail-on', async () => {
    gcore.keys.set(KEY_789, 789); // every account audited: not partial
    const config = writeConfig(CONFIG);
    expect((await audit(['--config', config, '--now', NOW, '--fail-on', 'critical'])).code).toBe(3);
    expect((await audit(['--config', config, '--now', NOW])).code).toBe(0);
  });

  it('exits 0 under --fail-on critical when the only critical finding is muted', async () => {
    gcore.accounts.set(456, new Map([[116, gcoreToken(116, { exp_date: null, last_usage: day(-1), client_user: user({ role: ADMIN }) })]]));
    const config = writeConfig(`
accounts: [{ clientId: 456, tokens: [116] }]
mutes: [{ rule: never-expiring-admin, clientId: 456, tokenId: 116, reason: vault, until: 2027-01-31 }]
`);
    const { code, stdout } = await audit(['--config', config, '--now', NOW, '--fail-on', 'critical', '--format', 'json']);
    expect((JSON.parse(stdout) as Report).findings.map((f) => f.muted)).toEqual([true]);
    expect(code).toBe(0);
  });

  it('exits 4 when Slack refuses the digest', async () => {
    slack.respond = () => ({ status: 400, body: 'invalid_payload' });
    const { code, stderr, logs } = await audit(['--config', writeConfig(CONFIG), '--now', NOW, '--notify'], { SLACK_WEBHOOK_URL: slack.webhookUrl });
    expect(code).toBe(4); // over 6 (789 is not audited): what was found did not reach anyone
    expect(slack.posts.length).toBe(1);
    expect(stderr.split('\n')).toContain(
      'gcore-token-audit: Slack rejected the webhook in SLACK_WEBHOOK_URL: HTTP 400 invalid_payload (Slack could not read the message (a bug: please report it)); ' +
        '0 of 1 message posted; audit keeps nothing queued: run it again once fixed',
    );
    expect(stderr + logs.text()).not.toContain('XXXXsecretXXXX');
  });

  it('posts after Slack answers 429 and 500', async () => {
    slack.respond = (n) =>
      n === 1 ? { status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } } : n === 2 ? { status: 500, body: 'rollup_error' } : { status: 200, body: 'ok' };
    gcore.keys.set(KEY_789, 789);
    const { code } = await audit(['--config', writeConfig(CONFIG), '--now', NOW, '--notify'], { SLACK_WEBHOOK_URL: slack.webhookUrl });
    expect(code).toBe(0);
    expect(slack.posts.length).toBe(3);
    expect(slack.accepted().length).toBe(1);
  });

  it('exits 2 for --notify without SLACK_WEBHOOK_URL, before calling Gcore', async () => {
    const { code, stderr } = await audit(['--config', writeConfig(CONFIG), '--notify']);
    expect(code).toBe(2);
    expect(stderr).toBe('gcore-token-audit: --notify needs the Slack webhook: SLACK_WEBHOOK_URL is not set (nor SLACK_WEBHOOK_URL_FILE)\n');
    expect(gcore.requests).toEqual([]);
  });

  it('exits 2 for --notify with a webhook that is not https, naming the variable and never its value', async () => {
    const webhook = 'http://hooks.example/services/T0/B0/notThisSecretPath';
    const { code, stdout, stderr, logs } = await audit(['--config', writeConfig(CONFIG), '--notify'], { SLACK_WEBHOOK_URL: webhook });
    expect(code).toBe(2);
    expect(stderr).toBe(
      'gcore-token-audit: --notify needs the Slack webhook: SLACK_WEBHOOK_URL: expected an https:// URL (http:// only to a loopback address)\n',
    );
    expect(stdout + logs.text()).not.toContain('notThisSecretPath');
    expect(gcore.requests).toEqual([]);
  });

  it('exits 2 and lists every problem of an invalid configuration, one plain line each', async () => {
    const { code, logs, stdout, stderr } = await audit(['--config', writeConfig('policy:\n  staleAfterDays: ninety\nbogus: 1\n')]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('gcore-token-audit: policy.staleAfterDays: expected a number, got "ninety"\ngcore-token-audit: bogus: unknown key\n');
    expect(logs.lines).toEqual([]);
  });

  it('refuses an apiKeyEnv naming a variable the project reads for something else, before any request', async () => {
    const config = writeConfig('accounts: [{ clientId: 456, apiKeyEnv: SLACK_WEBHOOK_URL }, { clientId: 789, apiKeyEnv: REDIS_URL }]');
    const { code, stdout, stderr } = await audit(['--config', config, '--format', 'json'], { SLACK_WEBHOOK_URL: slack.webhookUrl, REDIS_URL: 'redis://:redisSecretPw@127.0.0.1:6379' });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'gcore-token-audit: accounts[0].apiKeyEnv: SLACK_WEBHOOK_URL is read by gcore-token-audit for something else (the default Slack webhook): name a variable of its own\n' +
        'gcore-token-audit: accounts[1].apiKeyEnv: REDIS_URL is read by gcore-token-audit for something else (the Redis URL and its password): name a variable of its own\n',
    );
    expect(gcore.requests).toEqual([]);
  });

  it('prints no report when nothing was audited: one line saying why, exit 2', async () => {
    const unset = await audit(['--config', writeConfig('accounts: [{ clientId: 456 }]'), '--format', 'json'], { GCORE_API_KEY: '' });
    expect(unset).toMatchObject({ code: 2, stdout: '', stderr: 'gcore-token-audit: nothing was audited: GCORE_API_KEY is not set\n' });
    expect(gcore.requests).toEqual([]);
    const table = await audit(['--config', writeConfig('')], { GCORE_API_KEY: '' });
    expect(table).toMatchObject({ code: 2, stdout: '', stderr: 'gcore-token-audit: nothing was audited: GCORE_API_KEY is not set\n' });
    expect(table.stdout).not.toContain('No findings');
  });

  it('exits 2 when no account could be audited, with no report', async () => {
    const { code, stdout, stderr } = await audit(['--config', writeConfig('accounts: [{ clientId: 456 }]'), '--format', 'json'], { GCORE_API_KEY: 'wrong-key-123456' });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('gcore-token-audit: nothing was audited: GCORE_API_KEY was rejected (401)\n');
    expect(stderr).not.toContain('wrong-key-123456');
  });

  it('exits 2 on bad usage, one plain line each', async () => {
    expect(await audit(['--format', 'xml'])).toMatchObject({ code: 2, stderr: "gcore-token-audit: option '-o, --format <format>' argument 'xml' is invalid. Allowed choices are table, wide, json, csv.\n" });
    expect(await audit(['--bogus'])).toMatchObject({ code: 2, stderr: "gcore-token-audit: unknown option '--bogus'\n" });
    expect(await audit(['--config', writeConfig(''), '--now', 'yesterday'])).toMatchObject({
      code: 2,
      stderr: 'gcore-token-audit: --now: expected a real date (2026-11-29) or a timestamp with a zone (2026-11-29T12:00:00Z), got "yesterday"\n',
    });
    expect((await audit(['--config', writeConfig(''), '--fail-on', 'severe'])).code).toBe(2);
  });

  it('refuses an impossible --now instead of rolling it into March', async () => {
    const { code, stderr } = await audit(['--config', writeConfig(''), '--now', '2026-02-30']);
    expect(code).toBe(2);
    expect(stderr).toBe('gcore-token-audit: --now: expected a real date (2026-11-29) or a timestamp with a zone (2026-11-29T12:00:00Z), got "2026-02-30"\n');
    expect(gcore.requests).toEqual([]);
    expect((await audit(['--config', writeConfig(''), '--now', '2026-02-28T23:59:59+23:59', '--format', 'json'])).code).toBe(0);
  });

  it('finds the account id with /iam/clients/me when the config has none', async () => {
    const { code, stdout } = await audit(['--config', writeConfig(''), '--format', 'json', '--now', NOW]);
    expect(code).toBe(0);
    expect(gcore.requests.slice(0, 2)).toEqual(['GET /iam/clients/me', 'GET /iam/v2/clients/456/tokens']);
    expect((JSON.parse(stdout) as Report).summary.tokensAudited).toBe(12);
  });

  it('audits a saved export with --input, without calling the API', async () => {
    const list = [...(gcore.accounts.get(456)?.values() ?? [])];
    const input = join(dir, 'export.json');
    writeFileSync(input, JSON.stringify(list));
    const { code, stdout } = await audit(['--config', writeConfig(CONFIG), '--input', input, '--format', 'json', '--now', NOW]);
    expect(code).toBe(0);
    expect(gcore.requests).toEqual([]);
    const report = JSON.parse(stdout) as Report;
    expect(report.findings.filter((f) => f.clientId === 456).map((f) => `${f.tokenId}:${f.rule}`).sort()).toEqual(
      ['101:never-expiring-admin', '102:never-expiring', '103:stale', '104:stale', '105:never-used', '106:lifetime-too-long', '107:expiring-soon', '109:token-gone', '110:token-gone', '111:not-in-inventory', '112:audit-failed', '116:never-expiring-admin', '117:not-in-inventory'].sort(),
    );
    expect(report.findings.some((f) => f.clientId === 789)).toBe(false); // not in the export
  });

  it('audits the good tokens among generated hostile responses, each bad one audit-failed naming its problem', async () => {
    const { default: fc } = await import('fast-check');
    const junk = fc.sample(
      fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.record({ id: fc.integer(), name: fc.string(), exp_date: fc.string(), client_user: fc.jsonValue() })),
      { numRuns: 25, seed: 1129 },
    );
    const good = new Map(Array.from({ length: 5 }, (_, i) => [401 + i, gcoreToken(401 + i, { exp_date: null, created: day(-10), last_usage: day(-1) })] as const));
    gcore.accounts.set(456, new Map<number, unknown>([...good, ...junk.map((_, i) => [500 + i, { id: 500 + i, name: `junk-${i}` }] as const)]));
    junk.forEach((body, i) => gcore.scripts.set(`/iam/v2/clients/456/tokens/${500 + i}`, () => ({ status: 200, body: JSON.stringify(body) })));
    const { code, stdout } = await audit(['--config', writeConfig('accounts: [{ clientId: 456 }]'), '--format', 'json', '--now', NOW]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Report;
    expect(report.findings.filter((f) => f.tokenId !== null && f.tokenId < 500).map((f) => `${f.tokenId}:${f.rule}`)).toEqual(
      [401, 402, 403, 404, 405].map((id) => `${id}:never-expiring`),
    );
    const bad = report.findings.filter((f) => f.tokenId !== null && f.tokenId >= 500);
    expect(bad.map((f) => f.tokenId).sort()).toEqual(junk.map((_, i) => 500 + i));
    for (const f of bad) {
      expect(f.rule).toBe('audit-failed');
      expect(f.tokenName).toBe(`junk-${(f.tokenId ?? 0) - 500}`);
      expect(f.message).toMatch(/^Could not be audited: invalid token response: (\(response\)|[a-z_.]+): \S/);
    }
  });

  it('rejects an --input that is not an export', async () => {
    const input = join(dir, 'bad.json');
    writeFileSync(input, '{"tokens": 3}');
    const { code, stderr } = await audit(['--config', writeConfig(''), '--input', input]);
    expect(code).toBe(2);
    expect(stderr).toContain(`gcore-token-audit: --input ${input}: expected the list endpoint's array`);
  });
});
