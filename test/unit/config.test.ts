import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { configPath, loadConfig, parseConfig } from '../../src/config/load-config.js';
import { ConfigError, SecretError } from '../../src/core/errors.js';
import { createSecrets } from '../../src/config/secrets.js';
import { PROJECT_ENV_NAMES, PROJECT_ENV_PURPOSES } from '../../src/config/project-env-names.js';
import { checkWebhookUrl } from '../../src/core/check-webhook-url.js';
import { checkWorkerSecrets } from '../../src/config/check-worker-secrets.js';
import { parseDateOrInstant } from '../../src/core/parse-iso-date.js';
import { configProblems as problems } from '../support/config-problems.js';



function yamlFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  const path = join(dir, 'audit.yaml');
  writeFileSync(path, text);
  return path;
}

describe('configuration', () => {
  it('the full example validates and means what it says', () => {
    const c = loadConfig('config/examples/full.yaml', {});
    expect(c.schedule).toEqual({ cron: '0 7 * * *', timezone: 'UTC' });
    expect(c.runs).toEqual({ keep: 100 });
    expect(c.gcore).toEqual({
      baseUrl: 'https://api.gcore.com',
      apiVersion: 'v2',
      concurrency: 4,
      concurrencyPerWorker: 4,
      timeoutMs: 10000,
      retries: 3,
      ratePerSecond: 10,
      maxTokensPerAccount: 1000,
    });
    expect(c.accounts).toEqual([
      { clientId: 456, name: 'Production CDN', apiKeyEnv: 'GCORE_API_KEY', discover: true, tokens: [{ id: 101, owner: null }, { id: 102, owner: null }] },
      { clientId: 789, name: null, apiKeyEnv: 'GCORE_API_KEY_789', discover: false, tokens: [{ id: 201, owner: 'platform-team' }, { id: 202, owner: null }] },
    ]);
    expect(c.policy).toEqual({
      staleAfterDays: 90,
      unusedGraceDays: 30,
      maxLifetimeDays: 365,
      expiringSoonDays: 7,
      roles: { Administrators: { staleAfterDays: 30 } },
    });
    expect(c.mutes).toEqual([
      {
        id: 'config-1',
        source: 'config',
        by: null,
        rule: 'never-expiring-admin',
        clientId: 456,
        tokenId: 116,
        reason: 'break-glass token kept in the vault',
        untilText: '2027-01-31',
        until: new Date('2027-02-01T00:00:00Z'), // the whole day named is muted
      },
    ]);
    expect(c.notify).toEqual({
      slack: {
        minSeverity: 'low',
        renotifyAfterHours: 168,
        maxMessagesPerRun: 3,
        detailSeverity: 'high',
        routes: [
          { name: 'oncall', webhookEnv: 'SLACK_WEBHOOK_URL_ONCALL', match: { minSeverity: 'critical' }, continue: true },
          { name: 'data-team', webhookEnv: 'SLACK_WEBHOOK_URL_DATA', match: { accounts: [789] }, continue: false },
        ],
        allowedHosts: ['hooks.slack.com', 'hooks.slack-gov.com'],
      },
    });
  });

  it('an empty file gives every default: one discovering account keyed by GCORE_API_KEY', () => {
    const c = loadConfig(yamlFile(''), {});
    expect(c.accounts).toEqual([{ clientId: null, name: null, apiKeyEnv: 'GCORE_API_KEY', discover: true, tokens: [] }]);
    expect(c.gcore.concurrency).toBe(4);
    expect(c.policy.staleAfterDays).toBe(90);
    expect(c.mutes).toEqual([]);
    expect(c.notify.slack.minSeverity).toBe('low');
  });

  it('the shipped default config/audit.yaml equals the built-in defaults', () => {
    const empty = loadConfig(yamlFile(''), {});
    expect(loadConfig('config/audit.yaml', {})).toEqual({ ...empty, policy: { ...empty.policy, roles: { Administrators: { staleAfterDays: 30 } } } });
  });

  it('names the path and the value of a wrong type', () => {
    expect(problems({ policy: { staleAfterDays: 'ninety' } })).toEqual(['policy.staleAfterDays: expected a number, got "ninety"']);
  });

  it('a replica may not run more token jobs than all replicas together', () => {
    expect(problems({ gcore: { concurrency: 4, concurrencyPerWorker: 8 } })).toEqual([
      'gcore.concurrencyPerWorker: at most gcore.concurrency (4), which caps all replicas together',
    ]);
    expect(parseConfig({ gcore: { concurrency: 48, concurrencyPerWorker: 16 } }, {}).gcore).toMatchObject({ concurrency: 48, concurrencyPerWorker: 16 });
  });

  it('lists every problem at once', () => {
    expect(
      problems({
        gcore: { apiVersion: 'v3', concurrency: 0 },
        accounts: [{ clientId: 456, tokens: [101, 'x', 101] }],
        mutes: [{ rule: 'stale', clientId: 1, tokenId: 2, reason: 'r', until: 'soon' }],
        notify: { slack: { minSeverity: 'urgent' } },
      }),
    ).toEqual(
      expect.arrayContaining([
        'gcore.apiVersion: expected one of v2, v1, got "v3"',
        'gcore.concurrency: expected more than 0, got 0',
        'accounts[0].tokens[1]: expected a token id or a mapping { id, owner }, got "x"',
        'mutes[0].until: expected a real date (2027-01-31) or a timestamp with a zone (2027-01-31T12:00:00Z), got "soon"',
        'notify.slack.minSeverity: expected one of info, low, medium, high, critical, got "urgent"',
      ]),
    );
  });

  it('rejects unknown keys, at any depth', () => {
    expect(problems({ polcy: {}, policy: { roles: { Administrators: { stale: 3 } } }, accounts: [{ token: [] }] })).toEqual(
      expect.arrayContaining(['polcy: unknown key', 'policy.roles.Administrators.stale: unknown key', 'accounts[0].token: unknown key']),
    );
  });

  it('rejects an unknown role, a duplicate token and a duplicate account', () => {
    const p = problems({
      policy: { roles: { Administrator: { staleAfterDays: 1 } } },
      accounts: [{ clientId: 1, tokens: [5, { id: 5 }] }, { clientId: 1 }],
    });
    expect(p.some((l) => l.startsWith('policy.roles.Administrator'))).toBe(true);
    expect(p).toContain('accounts[0].tokens[1]: token 5 is listed twice');
    expect(p).toContain('accounts[1].clientId: account 1 is listed twice');
  });

  it('mutes: the list, or { maxDays, list }; a mute names a rule or a token, a token with its account', () => {
    expect(parseConfig({}, {}).muteMaxDays).toBe(90);
    const c = parseConfig({ mutes: { maxDays: 30, list: [{ rule: 'stale', reason: 'r', until: '2027-01-31', by: 'alice' }] } }, {});
    expect(c.muteMaxDays).toBe(30);
    expect(c.mutes[0]).toMatchObject({ id: 'config-1', rule: 'stale', clientId: null, tokenId: null, by: 'alice' });
    expect(parseConfig({ mutes: [{ clientId: 1, tokenId: 2, reason: 'r', until: '2027-01-31' }] }, {}).mutes[0]?.rule).toBeNull();
    expect(problems({ mutes: [{ tokenId: 2, reason: 'r', until: '2027-01-31' }] })).toEqual([
      'mutes[0].clientId: required with tokenId (a token id is unique only within its account)',
    ]);
    expect(problems({ mutes: [{ clientId: 2, reason: 'r', until: '2027-01-31' }] })).toEqual([
      'mutes[0]: a mute names a rule, a token (tokenId with clientId), or both',
    ]);
    expect(problems({ mutes: { maxDays: 0, bogus: 1 } })).toEqual(expect.arrayContaining(['mutes.bogus: unknown key']));
    expect(problems({ mutes: { list: [{ rule: 'stale', reason: 'r', until: '2027-02-30' }] } })).toHaveLength(1);
  });

  it('runs.keep: the run records kept, 100 unless given; a positive whole number, no other key', () => {
    expect(parseConfig({}, {}).runs).toEqual({ keep: 100 });
    expect(parseConfig({ runs: { keep: 5 } }, {}).runs).toEqual({ keep: 5 });
    const p = problems({ runs: { keep: 0, kept: 1 } });
    expect(p).toHaveLength(2);
    expect(p.some((l) => l.startsWith('runs.keep: '))).toBe(true);
    expect(p).toContain('runs.kept: unknown key');
    expect(problems({ runs: { keep: 2.5 } }).map((l) => l.split(':')[0])).toEqual(['runs.keep']);
  });

  it('history.days: the run summaries kept, 400 unless given; a whole number from 1 to 3660, no other key', () => {
    expect(parseConfig({}, {}).history).toEqual({ days: 400 });
    expect(parseConfig({ history: { days: 30 } }, {}).history).toEqual({ days: 30 });
    const p = problems({ history: { days: 0, keep: 1 } });
    expect(p).toHaveLength(2);
    expect(p.some((l) => l.startsWith('history.days: '))).toBe(true);
    expect(p).toContain('history.keep: unknown key');
    expect(problems({ history: { days: 3661 } }).map((l) => l.split(':')[0])).toEqual(['history.days']);
    expect(problems({ history: { days: '90d' } }).map((l) => l.split(':')[0])).toEqual(['history.days']);
  });

  it('evidence: none unless given; a directory, and keep as a count or days, each bad value named by its path', () => {
    expect(parseConfig({}, {}).evidence).toBeNull();
    expect(parseConfig({ evidence: { dir: '/var/evidence' } }, {}).evidence).toEqual({ dir: '/var/evidence', keep: null });
    expect(parseConfig({ evidence: { dir: 'e', keep: { days: 400 } } }, {}).evidence).toEqual({ dir: 'e', keep: { days: 400 } });
    expect(problems({ evidence: { dir: '' } }).map((l) => l.split(':')[0])).toEqual(['evidence.dir']);
    expect(problems({ evidence: { dir: 'e', keep: { count: 0 } } }).some((l) => l.startsWith('evidence.keep'))).toBe(true);
    expect(problems({ evidence: { dir: 'e', folder: 'x' } }).some((l) => l.includes('folder'))).toBe(true);
  });

  it('requires every mute field', () => {
    expect(problems({ mutes: [{ rule: 'stale', clientId: 1, tokenId: 2 }] })).toEqual(
      expect.arrayContaining(['mutes[0].reason: required', 'mutes[0].until: required']),
    );
  });

  it('checks cron, time zone and GCORE_API_URL', () => {
    const p = problems({ schedule: { cron: 'every day', timezone: 'Mars/Olympus' } }, { GCORE_API_URL: 'ftp:/x' });
    expect(p).toEqual([
      'schedule.cron: expected a cron pattern of 5 or 6 fields, got "every day"',
      'schedule.timezone: unknown time zone, got "Mars/Olympus"',
      'GCORE_API_URL: expected an http(s) URL',
    ]);
  });

  it('reports YAML syntax errors with their position, and files that are not mappings', () => {
    expect(() => loadConfig(yamlFile('policy:\n  staleAfterDays: [1\n'), {})).toThrow(/not valid YAML at line \d+, column \d+/);
    expect(() => loadConfig(yamlFile('- 1\n- 2\n'), {})).toThrow(/expected a mapping of sections/);
    expect(() => loadConfig('/nonexistent/audit.yaml', {})).toThrow(/cannot read the configuration file \(ENOENT\)/);
  });

  it('an *Env name is a variable name in capitals, not one the project reads for something else', () => {
    for (const name of PROJECT_ENV_NAMES) {
      expect(problems({ accounts: [{ apiKeyEnv: name }] })).toEqual([
        `accounts[0].apiKeyEnv: ${name} is read by gcore-token-audit for something else (${PROJECT_ENV_PURPOSES[name]}): name a variable of its own`,
      ]);
    }
    expect(PROJECT_ENV_NAMES).toEqual(expect.arrayContaining(['SLACK_WEBHOOK_URL', 'SLACK_APP_TOKEN', 'SLACK_BOT_TOKEN', 'REDIS_URL', 'REDIS_CLUSTER_NODES', 'LOG_LEVEL', 'PATH', 'HOME']));
    expect(problems({ accounts: [{ apiKeyEnv: 'gcore_key' }, { apiKeyEnv: '9KEY' }, { apiKeyEnv: 'KEY_FILE' }] })).toEqual([
      'accounts[0].apiKeyEnv: expected a variable name of capitals, digits and _ (GCORE_API_KEY_789), got "gcore_key"',
      'accounts[1].apiKeyEnv: expected a variable name of capitals, digits and _ (GCORE_API_KEY_789), got "9KEY"',
      'accounts[2].apiKeyEnv: KEY_FILE: name the variable without _FILE (KEY); its _FILE form is read by itself',
    ]);
    expect(parseConfig({ accounts: [{ apiKeyEnv: 'GCORE_API_KEY_789' }] }, {}).accounts[0]?.apiKeyEnv).toBe('GCORE_API_KEY_789');
  });

  it('refuses impossible mute dates instead of rolling them into the next month', () => {
    expect(problems({ mutes: [{ rule: 'stale', clientId: 1, tokenId: 2, reason: 'r', until: '2027-02-30' }] })).toEqual([
      'mutes[0].until: expected a real date (2027-01-31) or a timestamp with a zone (2027-01-31T12:00:00Z), got "2027-02-30"',
    ]);
    expect(problems({ mutes: [{ rule: 'stale', clientId: 1, tokenId: 2, reason: 'r', until: '2027-04-31T12:00:00Z' }] })).toHaveLength(1);
    const ok = parseConfig({ mutes: [{ rule: 'stale', clientId: 1, tokenId: 2, reason: 'r', until: '2028-02-29' }] }, {});
    expect(ok.mutes[0]?.until).toEqual(new Date('2028-03-01T00:00:00Z'));
    expect(parseDateOrInstant('2026-12-31T23:59:59+23:59')?.instant).toEqual(new Date('2026-12-31T00:00:59Z'));
    expect(parseDateOrInstant('2026-02-30')).toBeNull();
    expect(parseDateOrInstant('2026-02-28T24:00:00Z')).toBeNull();
    expect(parseDateOrInstant('March 7')).toBeNull();
  });

  it('never echoes a string value longer than 16 characters: a secret pasted in the wrong place stays unprinted', () => {
    const secret = 'sk-live-0123456789abcdef';
    const p = problems({ gcore: { timeoutMs: secret, apiVersion: secret }, schedule: { timezone: secret }, accounts: [{ apiKeyEnv: secret, tokens: [secret] }] });
    expect(p).toEqual([
      'gcore.apiVersion: expected one of v2, v1, got a string',
      'gcore.timeoutMs: expected a number, got a string',
      'schedule.timezone: unknown time zone, got a string',
      'accounts[0].apiKeyEnv: expected a variable name of capitals, digits and _ (GCORE_API_KEY_789), got a string',
      'accounts[0].tokens[0]: expected a token id or a mapping { id, owner }, got a string',
    ].sort((a, b) => p.indexOf(a) - p.indexOf(b)));
    expect(p.join('\n')).not.toContain('0123456789');
    expect(problems({ gcore: { timeoutMs: '16-chars-exactly' } })).toEqual(['gcore.timeoutMs: expected a number, got "16-chars-exactly"']);
  });

  // FIFOs and devices, which would block or never end, are tried on the built CLI in cli-process.test.ts.
  it('reads only a regular file of at most 1 MB', () => {
    expect(() => loadConfig(tmpdir(), {})).toThrow(/cannot read the configuration file \(not a regular file\)/);
    expect(() => loadConfig(yamlFile(`# ${'x'.repeat(1024 * 1024)}\n`), {})).toThrow(/cannot read the configuration file \(larger than 1 MB\)/);
    expect(loadConfig(yamlFile(`# ${'x'.repeat(1000 * 1000)}\n`), {}).gcore.concurrency).toBe(4);
  });

  it('a YAML alias bomb is a configuration error, one line', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefghi'[i] ?? 'a'}`).join(', ')}]`)].join('\n');
    let error: unknown;
    const path = yamlFile(`${bomb}\n`);
    try {
      loadConfig(path, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    // Not a YAMLParseError: no line to name, the library's first line said.
    expect((error as ConfigError).problems).toEqual([`${path}: not valid YAML: Excessive alias count indicates a resource exhaustion attack`]);
  });

  it('finds the file from --config, else TOKEN_AUDIT_CONFIG, else config/audit.yaml', () => {
    expect(configPath('a.yaml', { TOKEN_AUDIT_CONFIG: 'b.yaml' })).toBe('a.yaml');
    expect(configPath(undefined, { TOKEN_AUDIT_CONFIG: 'b.yaml' })).toBe('b.yaml');
    expect(configPath(undefined, {})).toBe('config/audit.yaml');
  });
});

describe('secrets', () => {
  it('reads VAR, or VAR_FILE (trimmed), and remembers what it read', () => {
    const file = yamlFile('file-secret-value\n');
    const s = createSecrets({ A: 'direct-secret', B_FILE: file });
    expect(s.get('A')).toBe('direct-secret');
    expect(s.get('B')).toBe('file-secret-value');
    expect(s.known()).toEqual(['direct-secret', 'file-secret-value']);
  });

  it('refuses both forms at once, a missing value and an unreadable file, without showing a value', () => {
    expect(() => createSecrets({ A: 'x', A_FILE: '/tmp/x' }).get('A')).toThrow('both A and A_FILE are set: set only one');
    expect(() => createSecrets({ A: '' }).get('A')).toThrow(new SecretError('A is not set (nor A_FILE)'));
    expect(() => createSecrets({ A_FILE: '/nonexistent' }).get('A')).toThrow(/A_FILE names a file that cannot be read \(ENOENT\)/);
  });

  it('reads a _FILE only when it is a regular file of at most 1 MB', () => {
    expect(() => createSecrets({ A_FILE: tmpdir() }).get('A')).toThrow(/A_FILE names a file that cannot be read \(not a regular file\)/);
    expect(() => createSecrets({ A_FILE: yamlFile('k'.repeat(1024 * 1024 + 1)) }).get('A')).toThrow(/\(larger than 1 MB\)/);
    expect(() => createSecrets({ A_FILE: yamlFile('\n') }).get('A')).toThrow(/A_FILE names an empty file/);
  });
});

describe('webhook URLs and the worker\'s secrets', () => {
  it('a webhook is an https URL, or http to a loopback address; the message names the variable, never the value', () => {
    expect(checkWebhookUrl('SLACK_WEBHOOK_URL', 'https://hooks.slack.com/services/T0/B0/secret')).toBeNull();
    expect(checkWebhookUrl('SLACK_WEBHOOK_URL', 'http://127.0.0.1:4000/services/T0/B0/secret')).toBeNull();
    expect(checkWebhookUrl('SLACK_WEBHOOK_URL', 'http://localhost:4000/x')).toBeNull();
    for (const bad of ['http://hooks.slack.com/services/T0/B0/secret', 'hooks.slack.com/services/T0/B0/secret', 'ftp://127.0.0.1/x', 'http://127.0.0.1.evil.example/x']) {
      const problem = checkWebhookUrl('ROUTE_WEBHOOK', bad);
      expect(problem).toMatch(/^ROUTE_WEBHOOK: expected an https:\/\/ URL/);
      expect(problem).not.toContain('secret');
    }
  });

  it('the worker refuses to start without every account\'s key and a webhook URL, naming each missing one', () => {
    const config = parseConfig({ accounts: [{ clientId: 456 }, { clientId: 789, apiKeyEnv: 'GCORE_API_KEY_789' }] }, {});
    const problemsOf = (env: NodeJS.ProcessEnv, extra: string[] = []) => {
      try {
        checkWorkerSecrets(config, createSecrets(env), ['SLACK_WEBHOOK_URL', ...extra]);
        return [];
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).problems;
      }
    };
    expect(problemsOf({ GCORE_API_KEY: 'k1-secret', GCORE_API_KEY_789: 'k2-secret', SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x' })).toEqual([]);
    expect(problemsOf({ GCORE_API_KEY: 'k1-secret', SLACK_WEBHOOK_URL: 'http://hooks.example/services/T/B/secret' }, ['ROUTE_WEBHOOK'])).toEqual([
      'GCORE_API_KEY_789 is not set (nor GCORE_API_KEY_789_FILE): the API key of account 789',
      'SLACK_WEBHOOK_URL: expected an https:// URL (http:// only to a loopback address)',
      'ROUTE_WEBHOOK is not set (nor ROUTE_WEBHOOK_FILE): the worker posts to Slack',
    ]);
  });

  it('a live quarantine needs the deleting keys at start; a dry run does not', () => {
    const env = { GCORE_API_KEY: 'k1-secret', SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x' };
    const problemsWith = (dryRun: boolean) => {
      const config = parseConfig({ accounts: [{ clientId: 456, remediationKeyEnv: 'DELETE_KEY' }], remediation: { enabled: true, quarantine: [{ rule: 'stale', afterHours: 24, dryRun }] } }, {});
      try {
        checkWorkerSecrets(config, createSecrets(env), ['SLACK_WEBHOOK_URL']);
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problemsWith(true)).toEqual([]);
    expect(problemsWith(false)).toEqual(['DELETE_KEY is not set (nor DELETE_KEY_FILE): the deleting key of remediation.quarantine (an entry with dryRun: false)']);
  });
});

const teamA = { name: 'team-a', webhookEnv: 'TEAM_A_WEBHOOK', match: { accounts: [456] } };

describe('a variable holds one secret', () => {
  it('a Gcore key variable naming a route webhook variable is refused, naming both purposes', () => {
    expect(problems({ accounts: [{ clientId: 456, apiKeyEnv: 'TEAM_A_WEBHOOK' }], notify: { slack: { routes: [teamA] } } })).toEqual([
      'notify.slack.routes[0].webhookEnv: TEAM_A_WEBHOOK holds the Gcore API key of account 456 (accounts[0].apiKeyEnv), not the Slack webhook of route "team-a": name a variable of its own for each',
    ]);
    // The default key variable counts too: a route may not read GCORE_API_KEY as its webhook.
    expect(problems({ notify: { slack: { routes: [{ ...teamA, webhookEnv: 'GCORE_API_KEY' }] } } })).toEqual([
      'notify.slack.routes[0].webhookEnv: GCORE_API_KEY holds the Gcore API key of accounts[0] (accounts[0].apiKeyEnv), not the Slack webhook of route "team-a": name a variable of its own for each',
    ]);
  });

  it('Slack tokens and Redis variables are never a key or webhook variable', () => {
    for (const name of ['SLACK_WEBHOOK_URL', 'SLACK_APP_TOKEN', 'SLACK_BOT_TOKEN', 'REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_PASSWORD']) {
      expect(problems({ accounts: [{ apiKeyEnv: name }] })).toEqual([expect.stringMatching(new RegExp(`^accounts\\[0\\]\\.apiKeyEnv: ${name} is read by gcore-token-audit for something else \\(.+\\)`))]);
      expect(problems({ notify: { slack: { routes: [{ ...teamA, webhookEnv: name }] } } })).toHaveLength(1);
    }
  });

  it('accounts may share a key variable, routes a webhook variable: the same purpose', () => {
    const config = parseConfig(
      {
        accounts: [{ clientId: 1, apiKeyEnv: 'SHARED_KEY' }, { clientId: 2, apiKeyEnv: 'SHARED_KEY' }],
        notify: { slack: { routes: [teamA, { ...teamA, name: 'team-b' }] } },
      },
      {},
    );
    expect(config.accounts.map((a) => a.apiKeyEnv)).toEqual(['SHARED_KEY', 'SHARED_KEY']);
    expect(config.notify.slack.routes.map((r) => r.webhookEnv)).toEqual(['TEAM_A_WEBHOOK', 'TEAM_A_WEBHOOK']);
  });
});

describe('webhook hosts', () => {
  const hook = (host: string) => `https://${host}/services/T0AAA/B0BBB/neverEchoedSecretPart`;

  it("a webhook is posted to only on notify.slack.allowedHosts (default: Slack's), or loopback", () => {
    for (const host of ['hooks.slack.com', 'hooks.slack-gov.com', 'HOOKS.SLACK.COM', '127.0.0.1:4000', 'localhost']) {
      expect(checkWebhookUrl('TEAM_A_WEBHOOK', hook(host))).toBeNull();
    }
    for (const host of ['hooks.slack.com.evil.example', 'evil.example', 'slack.com', 'hooks.slack.com@evil.example']) {
      const problem = checkWebhookUrl('TEAM_A_WEBHOOK', hook(host));
      expect(problem).toBe('TEAM_A_WEBHOOK: its host is not one of notify.slack.allowedHosts (hooks.slack.com, hooks.slack-gov.com)');
      expect(problem).not.toContain('neverEchoed');
      expect(problem).not.toContain('evil');
    }
    expect(checkWebhookUrl('TEAM_A_WEBHOOK', hook('chat.example.org'), ['chat.example.org'])).toBeNull();
    expect(checkWebhookUrl('TEAM_A_WEBHOOK', hook('hooks.slack.com'), ['chat.example.org'])).toMatch(/not one of notify\.slack\.allowedHosts \(chat\.example\.org\)$/);
  });

  it('the worker refuses to start with a webhook on another host, naming the variable', () => {
    const config = parseConfig({ notify: { slack: { routes: [teamA] } } }, {});
    expect(config.notify.slack.allowedHosts).toEqual(['hooks.slack.com', 'hooks.slack-gov.com']);
    let error: unknown;
    try {
      checkWorkerSecrets(config, createSecrets({ GCORE_API_KEY: 'k1-secret', SLACK_WEBHOOK_URL: hook('hooks.slack.com'), TEAM_A_WEBHOOK: hook('evil.example') }), ['SLACK_WEBHOOK_URL', 'TEAM_A_WEBHOOK']);
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).problems).toEqual(['TEAM_A_WEBHOOK: its host is not one of notify.slack.allowedHosts (hooks.slack.com, hooks.slack-gov.com)']);
    const own = parseConfig({ notify: { slack: { allowedHosts: ['chat.example.org'] } } }, {});
    expect(() => checkWorkerSecrets(own, createSecrets({ GCORE_API_KEY: 'k1-secret', SLACK_WEBHOOK_URL: hook('chat.example.org') }), ['SLACK_WEBHOOK_URL'])).not.toThrow();
    expect(problems({ notify: { slack: { allowedHosts: ['Hooks.Slack.com', 'https://x.example/'] } } })).toEqual([
      'notify.slack.allowedHosts[0]: expected a host name in lower case (hooks.slack.com), got "Hooks.Slack.com"',
      'notify.slack.allowedHosts[1]: expected a host name in lower case (hooks.slack.com), got a string',
    ]);
  });
});


describe('mutes of the configuration: who and why in visible text', () => {
  it('a reason or author of invisible characters only is refused with its path', () => {
    const entry = { rule: 'stale', reason: 'kept', until: '2027-01-31' };
    expect(problems({ mutes: [{ ...entry, reason: '\u200b\u2060' }, { ...entry, by: '\u3164' }] })).toEqual([
      'mutes[0].reason: say why, in visible characters, got only invisible characters',
      'mutes[1].by: say who, in visible characters, got only invisible characters',
    ]);
  });
});
