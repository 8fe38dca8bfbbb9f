import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopAll, type Started } from '../support/cleanup.js';
import { startRedisServer } from '../support/redis-server.js';
import { runCliProcess } from '../support/worker-process.js';

// Every character a URL would misread: as REDIS_PASSWORD_FILE gives it, none needs encoding.
const PASSWORD = 'p@ss#w/rd %41:x?y';

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'redis-pass-')), name);
  writeFileSync(path, text);
  return path;
}

describe('REDIS_PASSWORD_FILE (a Docker secret) joins REDIS_URL (process)', () => {
  const started: Started = { procs: [] };
  afterEach(() => stopAll(started));

  it('the password from the file gets in; a wrong one is exit 5; neither is ever printed', async () => {
    const redis = (started.redis = await startRedisServer({ appendonly: false, args: ['--requirepass', PASSWORD] }));
    const config = file('audit.yaml', 'accounts: [{ clientId: 456 }]\n');
    const env = { REDIS_URL: `redis://127.0.0.1:${redis.port}`, LOG_LEVEL: 'debug' };
    const right = await runCliProcess(['trigger', '--config', config], { ...env, REDIS_PASSWORD_FILE: file('redis_password', `${PASSWORD}\n`) });
    expect(right.code).toBe(0);
    expect(JSON.parse(right.stdout)).toEqual({ runId: expect.stringMatching(/^manual-/) });
    const wrong = await runCliProcess(['trigger', '--timeout', '30', '--config', config], { ...env, REDIS_PASSWORD_FILE: file('redis_password', 'wr0ng-redis-pass') });
    expect(wrong.code).toBe(5);
    expect(wrong.stderr).toMatch(/WRONGPASS/);
    for (const run of [right, wrong]) {
      expect(run.stderr).not.toContain('p@ss#w');
      expect(run.stderr).not.toContain(encodeURIComponent(PASSWORD).slice(0, 12));
      expect(run.stderr).not.toContain('wr0ng-redis');
    }
  });
});
