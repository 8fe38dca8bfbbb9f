import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { workerQuarantines } from '../../src/app/worker/worker-quarantines.js';
import type { Config } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createSecrets } from '../../src/config/secrets.js';
import { createLogger } from '../../src/core/logger.js';
import { createGcoreApi } from '../../src/gcore/create-gcore-api.js';
import { createRequestLimiter } from '../../src/gcore/request-limiter.js';
import { sweepAccounts } from '../../src/run/sweep-accounts.js';
import { createAlertStateStore } from '../../src/store/alert-state-store.js';
import { createMuteStore, toMute } from '../../src/store/mute-store.js';
import { createOutboxStore } from '../../src/store/outbox-store.js';
import { createRevocationStore, type RevocationRecord } from '../../src/store/revocation-store.js';
import { createSentinelStore } from '../../src/store/sentinel-store.js';
import { DEFAULT_ROUTE } from '../../src/store/store-keys.js';
import { gcoreToken, startGcoreStandIn, type GcoreStandIn } from '../support/gcore-stand-in.js';
import { logSink } from '../support/log-sink.js';
import { cliAt } from '../support/cli-at.js';
import { workerHarness } from '../support/worker-harness.js';
import { until } from '../support/worker-process.js';
import { testRedis } from '../support/store-fixtures.js';

const { redis, prefix: base } = testRedis();
const second = new Redis(process.env.REDIS_URL ?? '', { maxRetriesPerRequest: null });
const logger = createLogger({ level: 'info', destination: logSink() });
const AUDIT_KEY = '900_audit-secret';
const DELETE_KEY = '901_delete-secret';
const secrets = createSecrets({ AUDIT_KEY, DELETE_KEY });
const FOUND = new Date('2026-12-04T09:00:00.000Z');
const DEADLINE = new Date('2026-12-05T09:00:00.000Z'); // afterHours: 24
const JUST_BEFORE = new Date(DEADLINE.getTime() - 1);
let gcore: GcoreStandIn;
let prefix = '';
let n = 0;

afterAll(async () => {
  await Promise.all([redis.quit(), second.quit(), gcore.close()]);
});

const admin = (id: number) => gcoreToken(id, { exp_date: null, client_user: { ...(gcoreToken(id).client_user as object), role: { id: 1, name: 'Administrators' } } });

beforeEach(async () => {
  prefix = `${base}-quarantine-${(n += 1)}`;
  if (gcore) {
    await gcore.close();
  }
  gcore = await startGcoreStandIn();
  gcore.keys.set(AUDIT_KEY, 456);
  gcore.keys.set(DELETE_KEY, 456);
  // 101 was there before (seen); 201 is new: a never-expiring Administrators token.
  gcore.accounts.set(456, new Map<number, unknown>([[101, gcoreToken(101)], [201, admin(201)]]));
  await redis.sadd(`${prefix}:sentinel:seen:456`, '0', '101');
});

function configFile(remediation: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'quarantine-'));
  const path = join(dir, 'audit.yaml');
  writeFileSync(path, JSON.stringify({ gcore: { retries: 1, timeoutMs: 2000 }, accounts: [{ clientId: 456, apiKeyEnv: 'AUDIT_KEY', remediationKeyEnv: 'DELETE_KEY' }], remediation }));
  return path;
}
const policy = (dryRun: boolean) => ({ enabled: true, approvalHours: 1, quarantine: [{ rule: 'never-expiring-admin', afterHours: 24, dryRun }] });
const configOf = (path: string): Config => loadConfig(path, { GCORE_API_URL: gcore.url });

const apiOf = (config: Config) => createGcoreApi({ ...config.gcore, limiter: createRequestLimiter({ concurrency: 4 }), retryBaseDelayMs: 1 });
const mutesOf = (r: Redis, config: Config) => async () => [...config.mutes, ...(await createMuteStore(r, prefix).list()).map((m) => toMute(m, config.muteMaxDays))];

/** One sentinel sweep at `at`, as the worker wires it (remediation.quarantine only with remediation on). */
function sweep(config: Config, at: Date, r: Redis = redis) {
  return sweepAccounts(
    {
      config,
      sentinel: config.sentinel ?? { everySeconds: 300, minSeverity: 'high' },
      api: apiOf(config),
      secrets,
      states: createAlertStateStore(r, prefix),
      store: createSentinelStore(r, prefix),
      mutes: mutesOf(r, config),
      clock: () => at,
      logger,
      quarantine: config.remediation?.enabled ? { entries: config.remediation.quarantine ?? [], store: createRevocationStore(r, prefix) } : undefined,
    },
    `sweep-${at.getTime()}-${(n += 1)}`,
  );
}

/** The worker's deadline check at `at` (what each sweep and each report job runs): how many it deleted. */
function check(config: Config, at: Date, r: Redis = redis): Promise<number> {
  return workerQuarantines(config, secrets, {
    api: apiOf(config),
    revocations: createRevocationStore(r, prefix),
    alertStates: createAlertStateStore(r, prefix),
    mutes: mutesOf(r, config),
    clock: () => at,
    logger,
    retryBaseDelayMs: 1,
  })();
}

const cli = (args: string[], at: Date) =>
  cliAt(args, { REDIS_URL: process.env.REDIS_URL, QUEUE_PREFIX: prefix, GCORE_API_URL: gcore.url, AUDIT_KEY, DELETE_KEY, LOG_LEVEL: 'silent' }, at);

async function listed(path: string, at: Date): Promise<RevocationRecord[]> {
  return JSON.parse((await cli(['revoke', 'list', '--format', 'json', '--config', path], at)).stdout) as RevocationRecord[];
}

/** The "New token" messages the sweep put in the outbox (delivered as any digest), as text. */
async function announced(): Promise<string> {
  return JSON.stringify((await createOutboxStore(redis, prefix).pendingDigests(DEFAULT_ROUTE)).flatMap((d) => d.messages));
}

/** What the outbox delivery does once Slack accepted a message: the announcements leave the outbox. */
async function deliverAnnouncements(): Promise<void> {
  const outbox = createOutboxStore(redis, prefix);
  for (const d of await outbox.pendingDigests(DEFAULT_ROUTE)) {
    await outbox.completeDigest(d.runKey, DEFAULT_ROUTE);
  }
}

const onlyQuarantine = async () => {
  const all = await createRevocationStore(redis, prefix).list();
  expect(all).toHaveLength(1);
  return all[0] as RevocationRecord;
};

describe('remediation.quarantine (real Redis, the Gcore stand-in counting DELETEs)', () => {
  it('dry run: announces the deadline, records "dry-run" at it (listed by revoke list, counted), deletes nothing', async () => {
    // Another rule's entry is live: the worker holds a deleter, and this token's dry run must still not use it.
    const path = configFile({ ...policy(true), quarantine: [...policy(true).quarantine, { rule: 'stale', afterHours: 1, dryRun: false }] });
    const config = configOf(path);
    expect((await sweep(config, FOUND)).posted).toHaveLength(1);
    const q = await onlyQuarantine();
    expect(q).toMatchObject({ kind: 'quarantine', status: 'pending', clientId: 456, tokenId: 201, requestedBy: 'sentinel', quarantine: { rule: 'never-expiring-admin', dryRun: true, deadline: DEADLINE.toISOString() } });
    expect(q.fingerprint).toMatchObject({ roleId: 1, roleName: 'Administrators', expDate: null });
    // No key and no email in what Redis keeps of it (the token's issuer is john@example.com).
    expect(JSON.stringify(await redis.hgetall(`${prefix}:revoke:requests`))).not.toMatch(/secret|john@example/);
    expect(await announced()).toContain(`would be deleted at 2026-12-05 09:00 UTC unless muted or approved to stay (\`revoke keep ${q.id}\`) (dry run)`);

    // approvalHours (1) is for two-person requests: a quarantine waits for its deadline.
    expect((await listed(path, JUST_BEFORE))[0]).toMatchObject({ id: q.id, status: 'pending' });
    expect(await check(config, JUST_BEFORE)).toBe(0);
    expect(await check(config, DEADLINE)).toBe(0);
    expect(gcore.deletes).toBe(0);
    expect(gcore.accounts.get(456)?.has(201)).toBe(true);
    expect((await listed(path, DEADLINE))[0]).toMatchObject({ id: q.id, status: 'dry-run', outcome: 'dry run: would have been deleted at its deadline; nothing was deleted' });
    expect(await redis.hgetall(`${prefix}:revoke:counts`)).toEqual({ 'dry-run': '1' });
    expect(await redis.zcard(`${prefix}:revoke:quarantine-due`)).toBe(0);
    // The next digest tells what going live would have done, once (a run's commit removes what it told).
    expect((await createRevocationStore(redis, prefix).untoldLapses()).map((r) => [r.id, r.status, r.outcome])).toEqual([
      [q.id, 'dry-run', 'dry run: would have been deleted at its deadline; nothing was deleted'],
    ]);
  });

  it('dry run tells what a live run would have done: refused when the token changed since it was found, or is protected', async () => {
    const config = configOf(configFile({ ...policy(true), protect: [{ name: 'prod-*' }] }));
    gcore.accounts.get(456)?.set(202, { ...admin(202), name: 'prod-bot' });
    await sweep(config, FOUND);
    gcore.accounts.get(456)?.set(201, { ...admin(201), last_usage: '2026-12-04T20:00:00.000000Z' });
    await check(config, DEADLINE);
    expect(gcore.deletes).toBe(0);
    const outcomes = new Map((await createRevocationStore(redis, prefix).list()).map((r) => [r.tokenId, r.outcome]));
    expect(outcomes.get(201)).toMatch(/^dry run: would have been refused: the token changed since the request: used since the request \(last_usage .+\); nothing was deleted$/);
    expect(outcomes.get(202)).toBe('dry run: would have been refused: remediation.protect covers its name ("prod-*"); nothing was deleted');
  });

  it('live: nothing before the deadline, nor while its announcement waits in the outbox; then deleted exactly once with the policy as approver, told as "Revoked"', async () => {
    const config = configOf(configFile(policy(false)));
    await sweep(config, FOUND);
    const q = await onlyQuarantine();
    expect(await announced()).toContain(`will be deleted at 2026-12-05 09:00 UTC unless muted or approved to stay (\`revoke keep ${q.id}\`)`);
    expect(await check(config, JUST_BEFORE)).toBe(0);
    expect(gcore.deletes).toBe(0);
    // Slack has not heard it yet (its route failing): nobody could mute or keep it, so it waits past its deadline.
    expect(await check(config, DEADLINE)).toBe(0);
    expect(gcore.deletes).toBe(0);
    expect(await onlyQuarantine()).toMatchObject({ status: 'pending', quarantine: { announcedIn: { routes: [DEFAULT_ROUTE] } } });

    await deliverAnnouncements();
    expect(await check(config, DEADLINE)).toBe(1);
    expect(gcore.deletes).toBe(1);
    expect(gcore.accounts.get(456)?.has(201)).toBe(false);
    expect(await onlyQuarantine()).toMatchObject({ status: 'done', outcome: 'deleted', approvedBy: 'policy: quarantine never-expiring-admin 24h' });
    expect(await announced()).toContain('Revoked: Token token-201 (456/201) revoked: deleted, asked by sentinel');
    expect(await check(config, new Date(DEADLINE.getTime() + 3_600_000))).toBe(0);
    expect(gcore.deletes).toBe(1);
  });

  it('live but muted before the deadline: no DELETE, recorded muted', async () => {
    const config = configOf(configFile(policy(false)));
    await sweep(config, FOUND);
    await createMuteStore(redis, prefix).add({
      id: 'm-1', rule: 'never-expiring-admin', clientId: 456, tokenId: 201, reason: 'break-glass token', by: 'carol',
      until: '2026-12-20T00:00:00.000Z', untilText: '2026-12-19', createdAt: '2026-12-04T10:00:00.000Z',
    });
    expect(await check(config, DEADLINE)).toBe(0);
    expect(gcore.deletes).toBe(0);
    expect(await onlyQuarantine()).toMatchObject({ status: 'muted', outcome: 'muted at its deadline: nothing was deleted' });
    expect(await redis.hgetall(`${prefix}:revoke:counts`)).toEqual({ muted: '1' });
    expect((await createRevocationStore(redis, prefix).untoldLapses()).map((r) => r.status)).toEqual(['muted']);
  });

  it('live but `revoke keep`: no DELETE, recorded kept; `revoke approve` of a quarantine is refused', async () => {
    const path = configFile(policy(false));
    const config = configOf(path);
    await sweep(config, FOUND);
    const { id } = await onlyQuarantine();
    const approve = await cli(['revoke', 'approve', id, '--by', 'bob', '--config', path], JUST_BEFORE);
    expect(approve).toMatchObject({ code: 2, stderr: expect.stringContaining(`${id} is a quarantine`) });
    expect(await cli(['revoke', 'keep', id, '--by', 'carol', '--reason', 'billing uses it', '--config', path], JUST_BEFORE)).toMatchObject({ code: 0 });
    expect(await check(config, DEADLINE)).toBe(0);
    expect(gcore.deletes).toBe(0);
    expect(await onlyQuarantine()).toMatchObject({ status: 'kept', outcome: 'kept by carol: billing uses it' });
    // `revoke keep` of a quarantine is told in the next digest too, so the team sees who kept it and why.
    expect((await createRevocationStore(redis, prefix).untoldLapses()).map((r) => [r.status, r.outcome])).toEqual([['kept', 'kept by carol: billing uses it']]);
    expect(await redis.zcard(`${prefix}:revoke:quarantine-due`)).toBe(0);
  });

  it('two sweeps finding the token record one quarantine; two checks at the deadline at once (two connections) delete once', async () => {
    const config = configOf(configFile(policy(false)));
    await Promise.all([sweep(config, FOUND, redis), sweep(config, FOUND, second)]);
    await onlyQuarantine();
    await deliverAnnouncements();
    const deleted = await Promise.all([check(config, DEADLINE, redis), check(config, DEADLINE, second), check(config, DEADLINE, redis)]);
    expect(deleted.reduce((a, b) => a + b, 0)).toBe(1);
    expect(gcore.deletes).toBe(1);
    expect(await redis.hgetall(`${prefix}:revoke:counts`)).toEqual({ done: '1' });
  });

  it('a deletion whose process died with the claim (executing) is left while its lease runs, then carried on once, re-read first', async () => {
    const config = configOf(configFile(policy(false)));
    await sweep(config, FOUND);
    const q = await onlyQuarantine();
    const store = createRevocationStore(redis, prefix);
    await store.claim(q.id, { owner: 'died', approvedBy: 'policy: quarantine never-expiring-admin 24h', now: DEADLINE, leaseMs: 60_000, approvalHours: 1 });
    expect(await check(config, new Date(DEADLINE.getTime() + 59_999))).toBe(0);
    expect(gcore.deletes).toBe(0);
    expect(await redis.zscore(`${prefix}:revoke:quarantine-due`, q.id)).not.toBeNull();
    expect(await check(config, new Date(DEADLINE.getTime() + 60_000))).toBe(1);
    expect(gcore.deletes).toBe(1);
    expect(gcore.requests.filter((r) => r.includes('/tokens/201'))).toEqual(['GET /iam/v2/clients/456/tokens/201', 'GET /iam/v2/clients/456/tokens/201', 'GET /iam/v2/clients/456/tokens/201', 'DELETE /iam/v2/clients/456/tokens/201']);
    expect(await onlyQuarantine()).toMatchObject({ status: 'done', attempt: 2 });
  });

  it('remediation off: a live quarantine left in Redis sends no DELETE at its deadline, and a sweep quarantines nothing', async () => {
    await sweep(configOf(configFile(policy(false))), FOUND);
    const off = configOf(configFile({ enabled: false }));
    expect(await check(off, DEADLINE)).toBe(0);
    expect(gcore.deletes).toBe(0);
    expect(await onlyQuarantine()).toMatchObject({ status: 'dry-run', outcome: expect.stringContaining('the policy is no longer live here') });

    gcore.accounts.get(456)?.set(202, admin(202));
    await sweep(off, FOUND);
    expect(await createRevocationStore(redis, prefix).list()).toHaveLength(1);
  });
});

describe('remediation.quarantine in the worker', () => {
  const yaml = (sentinel: string) =>
    [
      'gcore: { concurrency: 4, retries: 1 }',
      'accounts: [{ clientId: 456, remediationKeyEnv: DELETE_KEY }]',
      sentinel,
      'remediation: { enabled: true, quarantine: [{ rule: never-expiring-admin, afterHours: 24, dryRun: false }] }',
      '',
    ].join('\n');

  it('a sweep announces the deadline; at it, the next run\'s report job deletes the token once and Slack hears "Revoked"', async () => {
    const h = await workerHarness({ config: yaml('sentinel: { everySeconds: 1 }'), env: { DELETE_KEY } });
    try {
      h.gcore.keys.set(DELETE_KEY, 456);
      const first = await h.startWorker();
      await until(async () => (await h.redis.sismember(`${h.prefix}:sentinel:seen:456`, '0')) === 1, 10_000, 'the first sweep to record the account');
      h.gcore.accounts.get(456)?.set(201, admin(201));
      const posted = (text: string) => h.slack.accepted().filter((p) => p.raw.includes(text));
      await until(() => Promise.resolve(posted('(token 201)').length > 0), 10_000, 'the New token message');
      expect(posted('(token 201)')[0]?.raw).toContain('will be deleted at 2026-11-30 12:00 UTC unless muted or approved to stay');
      await first.close(3000);

      // Only runs from here on (no sweep): the report job's own deadline check deletes it.
      writeFileSync(h.configPath, yaml('sentinel: false'));
      await h.startWorker();
      h.now = new Date('2026-11-30T12:00:00Z');
      expect((await h.trigger()).code).toBe(0);
      await until(() => Promise.resolve(posted('Revoked').length > 0), 10_000, 'the Revoked message');
      expect(h.gcore.deletes).toBe(1);
      expect(posted('Revoked')[0]?.raw).toContain('(456/201) revoked: deleted, asked by sentinel');
      expect((await h.trigger()).code).toBe(0);
      expect(h.gcore.deletes).toBe(1);
    } finally {
      await h.close();
    }
  });
});
