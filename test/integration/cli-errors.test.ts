import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { runCli } from '../../src/app/cli/run-cli.js';
import { gcoreToken, startGcoreStandIn, type GcoreStandIn } from '../support/gcore-stand-in.js';
import { logSink } from '../support/log-sink.js';
import { freePort } from '../support/redis-server.js';
import { startSlackStandIn, type SlackStandIn } from '../support/slack-stand-in.js';
import { stopAll, type Started } from '../support/cleanup.js';
import { workerHarness } from '../support/worker-harness.js';
import { CLI, runCliProcess, until } from '../support/worker-process.js';

// What an operator meets when something outside is wrong: plain lines, like usage errors, never JSON or a stack.
const dir = mkdtempSync(join(tmpdir(), 'cli-errors-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const NOW = '2026-11-29T12:00:00Z';

describe('Redis down: said at once, in one plain line naming the variable', () => {
  // The bound is each test's timeout: under Redis's 10 s wait, so a command that waited it out fails here.
  it.each(['findings', 'runs', 'report', 'mute list', 'trigger', 'trigger --wait'])(
    '%s: exit 5 at once with one line naming REDIS_URL, the password masked',
    async (command) => {
      const port = await freePort(); // nothing listens there
      const run = await runCliProcess(command.split(' '), { REDIS_URL: `redis://:s3cret-pass@127.0.0.1:${port}` });
      expect(run).toEqual({
        code: 5,
        stdout: '',
        stderr: `gcore-token-audit: Redis at redis://:***@127.0.0.1:${port} (REDIS_URL): connection refused (ECONNREFUSED): nothing listens there\n`,
      });
    },
    8_000,
  );

  it('a Redis Cluster none of whose nodes listens names REDIS_CLUSTER_NODES', async () => {
    const [a, b] = [await freePort(), await freePort()];
    const run = await runCliProcess(['runs'], { REDIS_CLUSTER_NODES: `127.0.0.1:${a},127.0.0.1:${b}` });
    expect(run).toEqual({
      code: 5,
      stdout: '',
      stderr: `gcore-token-audit: Redis Cluster (127.0.0.1:${a},127.0.0.1:${b}) (REDIS_CLUSTER_NODES): no node of REDIS_CLUSTER_NODES could be reached (Failed to refresh slots cache)\n`,
    });
  }, 9_000);
});

describe('Slack rejects the webhook: one plain line naming the variable, exit 4', () => {
  let slack: SlackStandIn;
  beforeEach(async () => (slack = await startSlackStandIn()));
  afterEach(() => slack.close());

  it('audit --notify to a webhook Slack no longer has (404 no_service)', async () => {
    const input = file('export.json', JSON.stringify({ clientId: 456, tokens: [gcoreToken(101, { exp_date: null })] }));
    const gone = slack.webhookUrl.replace('XXXXsecretXXXX', 'revokedPath0001'); // the stand-in answers 404 no_service
    const run = await runCliProcess(['audit', '--input', input, '--now', NOW, '--notify', '--config', file('empty.yaml', '')], {
      SLACK_WEBHOOK_URL: gone,
      LOG_LEVEL: 'warn',
    });
    expect(run.code).toBe(4);
    expect(run.stdout).toMatch(/^SEVERITY/);
    expect(run.stderr).toBe(
      'gcore-token-audit: Slack rejected the webhook in SLACK_WEBHOOK_URL: HTTP 404 no_service (the webhook was removed or never existed: create a new one); ' +
        '0 of 1 message posted; audit keeps nothing queued: run it again once fixed\n',
    );
    expect(slack.posts.length).toBe(1);
  });
});

describe('the worker\'s delivery rejected: trigger --wait says it in plain lines', () => {
  const started: Started = { procs: [] };
  afterEach(() => stopAll(started));

  it('a 404 no_service: exit 4, the route\'s variable named, the digest kept in Redis', async () => {
    const h = (started.h = await workerHarness({ tokens: 1 }));
    h.slack.respond = () => ({ status: 404, body: 'no_service' });
    await h.startWorker();
    const run = await runCliProcess(['trigger', '--wait', '--timeout', '60', '--format', 'table'], h.env);
    expect(run.code).toBe(4);
    expect(run.stdout).toMatch(/^SEVERITY +RULE/);
    expect(run.stderr.split('\n').filter((l) => l !== '')).toEqual([
      'gcore-token-audit: Slack: failed to default (Slack rejected the message: HTTP 404 no_service), kept for the next run',
      'gcore-token-audit: the digest for SLACK_WEBHOOK_URL was not delivered (Slack rejected the message: HTTP 404 no_service): it stays queued in Redis and a worker retries it',
    ]);
  }, 60_000);
});

describe('a Gcore key rejected: the variable to fix, and an audit that says it is partial', () => {
  let gcore: GcoreStandIn;
  const KEY_456 = '456_gcore-secret-key-aaaa';
  beforeEach(async () => {
    gcore = await startGcoreStandIn();
    gcore.keys.set(KEY_456, 456);
    gcore.accounts.set(456, new Map([[101, gcoreToken(101, { exp_date: null, name: `deploy-${'x'.repeat(80)}` })]]));
  });
  afterEach(() => gcore.close());

  async function audit(args: string[], config: string, env: Record<string, string> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['audit', '--config', file(`c${Math.random()}.yaml`, config), '--now', NOW, ...args], {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
      // The key of 100006 is 456's own: Gcore answers 403 on 100006.
      env: { GCORE_API_URL: gcore.url, GCORE_API_KEY: KEY_456, GCORE_API_KEY_100005: 'revoked-key-123456', GCORE_API_KEY_100006: KEY_456, ...env },
      logDestination: logSink(),
      gcoreRetryBaseDelayMs: 5,
    });
    return { code, stdout: out.join(''), stderr: err.join('') };
  }
  const ACCOUNTS = `accounts:
  - { clientId: 456 }
  - { clientId: 100005, apiKeyEnv: GCORE_API_KEY_100005 }
  - { clientId: 100006, apiKeyEnv: GCORE_API_KEY_100006 }
`;

  it('names the variable, tells a key of another account from a missing role, and exits 6', async () => {
    const run = await audit([], ACCOUNTS);
    expect(run.stderr).toBe(
      'gcore-token-audit: GCORE_API_KEY_100005 was rejected (401): account 100005 was not audited\n' +
        'gcore-token-audit: GCORE_API_KEY_100006 belongs to another account (456), not to account 100006 (403): account 100006 was not audited\n',
    );
    expect(run.stdout).toContain(' · 0 failed · 2 accounts not audited: key rejected, key of another account\n');
    expect(run.code).toBe(6);
    // Over --fail-on: the findings judged are only those of the accounts read.
    expect((await audit(['--fail-on', 'info'], ACCOUNTS)).code).toBe(6);
    expect((await audit(['--fail-on', 'info'], 'accounts: [{ clientId: 456 }]')).code).toBe(3);
  });

  it('a key of the right account without the role is blamed on the role', async () => {
    gcore.keys.set('100007_reader-key-cccc', 100007);
    gcore.scripts.set('/iam/v2/clients/100007/tokens', () => ({ status: 403, body: JSON.stringify({ detail: 'You do not have permission to perform this action.' }) }));
    const run = await audit([], 'accounts: [{ clientId: 456 }, { clientId: 100007, apiKeyEnv: GCORE_API_KEY_100007 }]', {
      GCORE_API_KEY_100007: '100007_reader-key-cccc',
    });
    expect(run.stderr).toBe(
      'gcore-token-audit: GCORE_API_KEY_100007 may not read account 100007 (403): reading every token needs a key with the Administrators role: account 100007 was not audited\n',
    );
    expect(run.stdout).toContain(' · 1 account not audited: key may not read\n');
    expect(run.code).toBe(6);
  });

  it('a key variable not set: named, the account counted as not audited', async () => {
    const run = await audit([], 'accounts: [{ clientId: 456 }, { clientId: 100008, apiKeyEnv: GCORE_API_KEY_100008 }]');
    expect(run.stderr).toBe('gcore-token-audit: GCORE_API_KEY_100008 is not set (nor GCORE_API_KEY_100008_FILE): account 100008 was not audited\n');
    expect(run.stdout).toContain(' · 1 account not audited: key not set\n');
    expect(run.code).toBe(6);
  });

  it('nothing audited: the same line after "nothing was audited", exit 2', async () => {
    const run = await audit([], 'accounts: [{ clientId: 100005, apiKeyEnv: GCORE_API_KEY_100005 }]');
    expect(run).toEqual({ code: 2, stdout: '', stderr: 'gcore-token-audit: nothing was audited: GCORE_API_KEY_100005 was rejected (401)\n' });
  });

  it('the audit table fits 120 columns; -o wide prints every column whole', async () => {
    const table = await audit([], 'accounts: [{ clientId: 456 }]');
    expect(table.stdout.split('\n').every((l) => [...l].length <= 120)).toBe(true);
    expect(table.stdout.split('\n')[1]).toMatch(/ deploy-x+… /);
    const wide = await audit(['-o', 'wide'], 'accounts: [{ clientId: 456 }]');
    expect(wide.stdout.split('\n')[0]).toMatch(/ LAST USED +EXPIRES +MESSAGE$/);
    expect(wide.stdout.split('\n')[1]).toContain(`deploy-${'x'.repeat(24)}`);
  });
});

describe('a worker started while Redis is down', () => {
  it('serves /healthz 503 with the reason while it retries', async () => {
    const [redisPort, healthPort] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, [resolve(CLI), 'worker', '--config', file('worker.yaml', 'accounts: [{ clientId: 456 }]\n')], {
      env: {
        PATH: process.env.PATH ?? '',
        REDIS_URL: `redis://:s3cret-pass@127.0.0.1:${redisPort}`,
        GCORE_API_KEY: 'worker-key-0001',
        SLACK_WEBHOOK_URL: 'http://127.0.0.1:9/services/T0/B0/x',
        HEALTH_PORT: String(healthPort),
      },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    const exited = new Promise((r) => child.once('exit', r));
    try {
      let answer = { status: 0, body: '' };
      await until(
        async () => {
          const res = await fetch(`http://127.0.0.1:${healthPort}/healthz`, { signal: AbortSignal.timeout(2000) });
          answer = { status: res.status, body: await res.text() };
          return answer.body.includes('ECONNREFUSED');
        },
        15_000,
        '/healthz while Redis is down',
      );
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.body)).toEqual({
        status: 'unhealthy',
        reason: `waiting for Redis: Redis at redis://:***@127.0.0.1:${redisPort} (REDIS_URL): connection refused (ECONNREFUSED): nothing listens there`,
      });
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  }, 30_000);
});
