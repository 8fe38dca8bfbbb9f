import { afterEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { stopAll, type Started } from '../support/cleanup.js';
import { startRedisServer } from '../support/redis-server.js';
import { makeTlsFiles } from '../support/tls-files.js';
import { workerHarness } from '../support/worker-harness.js';
import { runCliProcess, spawnWorker } from '../support/worker-process.js';

const PASSWORD = 'r1ght-redis-pass';
const WRONG = 'wr0ng-redis-pass';

function configFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'redis-conn-')), 'audit.yaml');
  writeFileSync(path, 'accounts: [{ clientId: 456 }]\n');
  return path;
}

/** What a command said for a person: plain lines (a log line here, JSON, is a failure), without the name prefix. */
const messages = (stderr: string) =>
  stderr
    .trim()
    .split('\n')
    .map((l) => {
      expect(l).toMatch(/^gcore-token-audit: /);
      return l.slice('gcore-token-audit: '.length);
    });

/** An ACL user with every permission and PASSWORD, on `server`. */
async function addAclUser(url: string, tls?: { ca: string }): Promise<void> {
  const admin = new Redis(url, tls ? { tls: { ca: [readFileSync(tls.ca, 'utf8')] } } : {});
  await admin.call('ACL', 'SETUSER', 'auditor', 'on', `>${PASSWORD}`, '~*', '&*', '+@all');
  await admin.quit();
}

describe('how commands connect to Redis (processes)', () => {
  const started: Started = { procs: [] };
  afterEach(() => stopAll(started));

  it('trigger --wait --timeout 2 with no worker running exits 5 once the 2 s are up, not after its default wait', async () => {
    const env = { REDIS_URL: process.env.REDIS_URL ?? '', QUEUE_PREFIX: `t${randomUUID().slice(0, 8)}` };
    const t0 = Date.now();
    const run = await runCliProcess(['trigger', '--wait', '--timeout', '2', '--config', configFile()], env);
    const elapsed = Date.now() - t0;
    expect(run.code).toBe(5);
    expect(run.stderr.trim().split('\n').at(-1)).toBe('gcore-token-audit: no report within 2 s: is a worker running?');
    // A bound, not a timing target: a trigger that ignored --timeout would wait far longer (30 s and more).
    expect(elapsed).toBeLessThan(20_000);
  });

  it.each(['3000000', '0', '-1', 'ten', '86401'])('trigger --timeout %s is a usage error: exit 2, one line', async (value) => {
    const run = await runCliProcess(['trigger', '--wait', '--timeout', value, '--config', configFile()], { REDIS_URL: process.env.REDIS_URL ?? '' });
    expect(run.code).toBe(2);
    // a usage error: one plain line for a person, not a log line
    expect(run.stderr).toBe(`gcore-token-audit: --timeout: expected seconds, more than 0 and at most 86400, got ${JSON.stringify(value)}\n`);
  });

  it('a Redis ACL user: a wrong password in any URL form is one line naming WRONGPASS, exit 5, never the password; the right one works', async () => {
    // As managed Redis is set up: the default user has a password too.
    const redis = (started.redis = await startRedisServer({ appendonly: false, args: ['--requirepass', PASSWORD] }));
    await addAclUser(`redis://:${PASSWORD}@127.0.0.1:${redis.port}`);
    const hostPort = `127.0.0.1:${redis.port}`;
    const config = configFile();
    for (const url of [`redis://auditor:${WRONG}@${hostPort}`, `redis://${WRONG}@${hostPort}`, `redis://${hostPort}?username=auditor&password=${WRONG}`]) {
      const run = await runCliProcess(['trigger', '--wait', '--timeout', '30', '--config', config], { REDIS_URL: url });
      expect(run.code).toBe(5);
      const lines = messages(run.stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^Redis at redis:\/\/.*127\.0\.0\.1:\d+.*: the username or password in REDIS_URL was refused \(WRONGPASS\)$/);
      expect(run.stderr).not.toContain(WRONG);
    }
    const noAuth = await runCliProcess(['trigger', '--timeout', '30', '--config', config], { REDIS_URL: `redis://${hostPort}` });
    expect(noAuth.code).toBe(5);
    expect(messages(noAuth.stderr)).toEqual([`Redis at redis://${hostPort} (REDIS_URL): a password is required: give it in REDIS_URL, redis://user:password@host:port (NOAUTH)`]);
    const right = await runCliProcess(['trigger', '--config', config], { REDIS_URL: `redis://auditor:${PASSWORD}@${hostPort}`, LOG_LEVEL: 'debug' });
    expect(right.code).toBe(0);
    expect(JSON.parse(right.stdout)).toEqual({ runId: expect.stringMatching(/^manual-/) });
    expect(right.stderr).not.toContain(PASSWORD);
  });

  it('the worker, refused by Redis, logs one clear line and keeps trying until the password works', async () => {
    const redis = (started.redis = await startRedisServer({ appendonly: false }));
    await addAclUser(redis.url);
    const h = (started.h = await workerHarness({ tokens: 2, redisUrl: redis.url }));
    const env = { ...h.env, REDIS_URL: `redis://auditor:${WRONG}@127.0.0.1:${redis.port}` };
    let stderr = '';
    const admin = new Redis(redis.url);
    try {
      const worker = await spawnWorker(env, h.configPath, {
        onSpawn: (child) =>
          child.stderr?.on('data', (b: Buffer) => {
            stderr += b.toString();
            if (stderr.includes('WRONGPASS') && !stderr.includes('fixed')) {
              stderr += 'fixed';
              // The operator fixes the user's password: the running worker gets in on its next try.
              void admin.call('ACL', 'SETUSER', 'auditor', `>${WRONG}`);
            }
          }),
      });
      started.procs = [worker];
      const refused = worker.stderr().split('\n').filter((l) => l.includes('WRONGPASS'));
      expect(refused.length).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(refused.find((l) => l.includes('retrying'))!)).toMatchObject({
        level: 'error',
        code: 'REDIS_UNAVAILABLE',
        msg: `Redis at redis://auditor:***@127.0.0.1:${redis.port} (REDIS_URL): the username or password in REDIS_URL was refused (WRONGPASS); retrying until it answers`,
      });
      expect(worker.stderr()).not.toContain(WRONG);
    } finally {
      await admin.quit();
    }
  });

  it('rediss:// with REDIS_TLS_CA_FILE and an ACL user: a worker and trigger --wait complete a run over TLS; without the CA, one line naming TLS and exit 5', async () => {
    const tls = makeTlsFiles();
    const redis = (started.redis = await startRedisServer({ appendonly: false, tls }));
    expect(redis.url).toMatch(/^rediss:/);
    await addAclUser(redis.url, tls);
    const url = `rediss://auditor:${PASSWORD}@127.0.0.1:${redis.port}`;
    const withoutCa = await runCliProcess(['trigger', '--timeout', '30', '--config', configFile()], { REDIS_URL: url });
    expect(withoutCa.code).toBe(5);
    expect(messages(withoutCa.stderr)).toEqual([
      expect.stringMatching(/^Redis at rediss:\/\/auditor:\*\*\*@127\.0\.0\.1:\d+ \(REDIS_URL\): TLS failed \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\).*REDIS_TLS_CA_FILE/),
    ]);

    const h = (started.h = await workerHarness({ tokens: 3, redisUrl: url, env: { REDIS_TLS_CA_FILE: tls.ca } }));
    const worker = await spawnWorker(h.env, h.configPath);
    started.procs = [worker];
    const run = await runCliProcess(['trigger', '--wait', '--timeout', '60', '--config', h.configPath], h.env);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { summary: { tokensAudited: number } }).summary.tokensAudited).toBe(3);
    expect(h.slack.accepted().length).toBeGreaterThan(0);
    for (const text of [run.stderr, worker.stderr()]) {
      expect(text).not.toContain(PASSWORD);
    }
  });
});
