import { describe, expect, it } from '@jest/globals';
import { parseConfig } from '../../src/config/load-config.js';
import { createSecrets } from '../../src/config/secrets.js';
import { logSettings } from '../../src/core/logger.js';
import { workerEnvSettings } from '../../src/app/cli/worker-command.js';
import { queueSettings } from '../../src/store/redis-connection.js';
import { maskRedisUrl, parseRedisUrl } from '../../src/store/redis-url.js';

// A key as Gcore issues them, and a Redis password: what a person pastes into the wrong place.
const KEY = '1337$9f8e7d6c5b4a3210fedcba9876543210aabbccdd';
const PASSWORD = 'Zq7wX2vB9nM4kL8p';

/** The error's text, from whatever `fn` throws (ConfigError lists problems, the rest carry a message). */
function errorText(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    const problems = (error as { problems?: readonly string[] }).problems;
    return problems === undefined ? (error as Error).message : problems.join('\n');
  }
  throw new Error('expected an error');
}

/** Neither the secret nor any 8 characters of it in a row. */
function expectNoSlice(text: string, secret: string): void {
  expect(text).not.toContain(secret);
  for (let i = 0; i + 8 <= secret.length; i += 1) {
    expect(text).not.toContain(secret.slice(i, i + 8));
  }
}

describe('an error names the variable, never the value it read', () => {
  it('a key pasted into GCORE_API_KEY_FILE', () => {
    const text = errorText(() => createSecrets({ GCORE_API_KEY_FILE: KEY }).get('GCORE_API_KEY'));
    expect(text).toBe('GCORE_API_KEY_FILE names a file that cannot be read (ENOENT)');
    expectNoSlice(text, KEY);
  });

  it('a key pasted into GCORE_API_URL, or an http:// URL carrying it as its host', () => {
    for (const url of [KEY, `http://${KEY.slice(5)}.example`]) {
      const text = errorText(() => parseConfig({}, { GCORE_API_URL: url }));
      expect(text).toMatch(/^GCORE_API_URL: expected an/);
      expectNoSlice(text, KEY.slice(5));
    }
  });

  it('a secret after redis://host/', () => {
    const text = errorText(() => parseRedisUrl(`redis://10.0.0.1/${PASSWORD}`));
    expect(text).toBe('REDIS_URL: expected a database number (0 to 99) after the host');
    expectNoSlice(text, PASSWORD);
    expectNoSlice(errorText(() => parseRedisUrl(`redis://10.0.0.1?${PASSWORD}=1`)), PASSWORD);
  });

  it('an unencoded # or / in a Redis password: refused, and masked whole', () => {
    for (const url of [`redis://${PASSWORD.slice(0, 4)}#${PASSWORD.slice(4)}@10.0.0.1:6379`, `redis://${PASSWORD.slice(0, 4)}/${PASSWORD.slice(4)}@10.0.0.1:6379`, `redis://u:${PASSWORD.slice(0, 4)}#${PASSWORD.slice(4)}@10.0.0.1:6379`]) {
      const text = errorText(() => parseRedisUrl(url));
      expect(text).toMatch(/^REDIS_URL: /);
      expectNoSlice(text, PASSWORD.slice(4));
      expect(text).not.toContain(PASSWORD.slice(0, 4));
      expectNoSlice(maskRedisUrl(url), PASSWORD.slice(4));
      expect(maskRedisUrl(url)).not.toContain(PASSWORD.slice(0, 4));
    }
  });

  it('a key pasted as an unknown configuration key: its place is told, not its text', () => {
    const text = errorText(() => parseConfig({ accounts: [{ clientId: 1, [KEY]: true }] }, {}));
    expect(text).toBe('accounts[0]: an unknown key (key 2 of 2), not shown: it is not a name the configuration uses');
    expectNoSlice(text, KEY);
    // A misspelt key is still shown, to be fixed.
    expect(errorText(() => parseConfig({ polcy: {} }, {}))).toBe('polcy: unknown key');
  });

  it('the other variables: LOG_LEVEL, JOB_LOCK_MS, HEALTH_PORT, REDIS_CLUSTER_NODES, QUEUE_PREFIX, REDIS_TLS_CA_FILE', () => {
    const short = PASSWORD.slice(0, 9);
    const texts = [
      errorText(() => logSettings({ LOG_LEVEL: short }, false)),
      errorText(() => workerEnvSettings({ JOB_LOCK_MS: short })),
      errorText(() => workerEnvSettings({ HEALTH_PORT: short })),
      errorText(() => queueSettings({ REDIS_CLUSTER_NODES: `10.0.0.1:7000,${short}` })),
      errorText(() => queueSettings({ REDIS_CLUSTER_NODES: '10.0.0.1:7000', QUEUE_PREFIX: short })),
      errorText(() => queueSettings({ REDIS_TLS_CA_FILE: `/run/secrets/${short}` })),
    ];
    expect(texts.map((t) => t.split(':')[0])).toEqual(['LOG_LEVEL', 'JOB_LOCK_MS', 'HEALTH_PORT', 'REDIS_CLUSTER_NODES', 'QUEUE_PREFIX', 'REDIS_TLS_CA_FILE names a file that cannot be read (ENOENT)']);
    for (const text of texts) {
      expectNoSlice(text, short);
    }
  });
});

describe('durations from the environment are bounded before they reach a timer', () => {
  it('JOB_LOCK_MS between 1000 and 600000 ms: 3000000000 is refused (past 2^31-1 a timer fires at once)', () => {
    expect(workerEnvSettings({})).toEqual({ port: 8080, lockMs: 30_000, reportBackoffMs: 5_000 });
    expect(workerEnvSettings({ JOB_LOCK_MS: '600000' }).lockMs).toBe(600_000);
    expect(workerEnvSettings({ JOB_LOCK_MS: '1000' }).lockMs).toBe(1000);
    for (const bad of ['3000000000', '600001', '999', '1500.5']) {
      expect(errorText(() => workerEnvSettings({ JOB_LOCK_MS: bad }))).toBe('JOB_LOCK_MS: expected whole milliseconds from 1000 to 600000');
    }
  });

  it('REPORT_BACKOFF_MS between 100 and 600000 ms (its 7th retry waits 64 times it: 38,400,000 ms at most); a bad value names the variable, never its value', () => {
    expect(workerEnvSettings({ REPORT_BACKOFF_MS: '100' }).reportBackoffMs).toBe(100);
    expect(workerEnvSettings({ REPORT_BACKOFF_MS: '600000' }).reportBackoffMs).toBe(600_000);
    for (const bad of ['99', '600001', '3000000000', '250.5', 'soon']) {
      expect(errorText(() => workerEnvSettings({ REPORT_BACKOFF_MS: bad }))).toBe('REPORT_BACKOFF_MS: expected whole milliseconds from 100 to 600000');
    }
  });

  it('every configured duration has an upper bound far inside a timer\'s 2^31-1 ms', () => {
    const text = errorText(() =>
      parseConfig({ gcore: { timeoutMs: 600_001 }, sentinel: { everySeconds: 86_401 }, mutes: { maxDays: 3651 }, notify: { slack: { renotifyAfterHours: 8761 } } }, {}),
    );
    expect(text.split('\n').sort()).toEqual([
      'gcore.timeoutMs: expected at most 600000, got 600001',
      'mutes.maxDays: expected at most 3650, got 3651',
      'notify.slack.renotifyAfterHours: expected at most 8760, got 8761',
      'sentinel.everySeconds: expected at most 86400, got 86401',
    ]);
  });

  it('notify.slack.renotifyAfterHours at most a year', () => {
    expect(parseConfig({ notify: { slack: { renotifyAfterHours: 8760 } } }, {}).notify.slack.renotifyAfterHours).toBe(8760);
    expect(errorText(() => parseConfig({ notify: { slack: { renotifyAfterHours: 8761 } } }, {}))).toBe('notify.slack.renotifyAfterHours: expected at most 8760, got 8761');
  });
});
