import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { configPath, loadConfig, parseConfig } from '../../src/config/load-config.js';
import { ConfigError } from '../../src/core/errors.js';
import { createSecrets } from '../../src/config/secrets.js';
import { SecretError } from '../../src/core/errors.js';

function problems(document: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(document, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

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
      { clientId: 456, apiKeyEnv: 'GCORE_API_KEY', discover: true, tokens: [{ id: 101, owner: null }, { id: 102, owner: null }] },
      { clientId: 789, apiKeyEnv: 'GCORE_API_KEY_789', discover: false, tokens: [{ id: 201, owner: 'platform-team' }, { id: 202, owner: null }] },
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
        rule: 'never-expiring-admin',
        clientId: 456,
        tokenId: 116,
        reason: 'break-glass token kept in the vault',
        untilText: '2027-01-31',
        until: new Date('2027-02-01T00:00:00Z'), // the whole day named is muted
      },
    ]);
    expect(c.notify).toEqual({ slack: { minSeverity: 'low', renotifyAfterHours: 168 } });
  });

  it('an empty file gives every default: one discovering account keyed by GCORE_API_KEY', () => {
    const c = loadConfig(yamlFile(''), {});
    expect(c.accounts).toEqual([{ clientId: null, apiKeyEnv: 'GCORE_API_KEY', discover: true, tokens: [] }]);
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
        'mutes[0].until: expected a date (2027-01-31) or a timestamp with a zone (2027-01-31T12:00:00Z), got "soon"',
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
      'GCORE_API_URL: expected an http(s) URL, got "ftp:/x"',
    ]);
  });

  it('reports YAML syntax errors with their position, and files that are not mappings', () => {
    expect(() => loadConfig(yamlFile('policy:\n  staleAfterDays: [1\n'), {})).toThrow(/not valid YAML at line \d+, column \d+/);
    expect(() => loadConfig(yamlFile('- 1\n- 2\n'), {})).toThrow(/expected a mapping of sections/);
    expect(() => loadConfig('/nonexistent/audit.yaml', {})).toThrow(/cannot read the configuration file \(ENOENT\)/);
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
});
