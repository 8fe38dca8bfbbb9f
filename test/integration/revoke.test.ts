import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import pino from 'pino';
import { fingerprintOf } from '../../src/core/revocation.js';
import { createGcoreApi } from '../../src/gcore/create-gcore-api.js';
import { createTokenDeleter } from '../../src/gcore/create-token-deleter.js';
import { parseToken } from '../../src/gcore/parse-token.js';
import { createRequestLimiter } from '../../src/gcore/request-limiter.js';
import { carryOutRevocation, type RevokeDeps } from '../../src/run/revoke-token.js';
import { createRevocationStore, type RevocationRecord } from '../../src/store/revocation-store.js';
import { gcoreToken, startGcoreStandIn, type GcoreStandIn } from '../support/gcore-stand-in.js';
import { stateOf, testRedis } from '../support/store-fixtures.js';
import { finding } from '../support/findings.js';
import { cliAt } from '../support/cli-at.js';
import { createOutboxStore } from '../../src/store/outbox-store.js';
import { createAlertStateStore } from '../../src/store/alert-state-store.js';
import { DEFAULT_ROUTE } from '../../src/alerts/route-findings.js';

const { redis, prefix: base } = testRedis();
const second = new Redis(process.env.REDIS_URL ?? '', { maxRetriesPerRequest: null });
let gcore: GcoreStandIn;
let n = 0;
let prefix = '';
const AUDIT_KEY = '900_audit-secret';
const DELETE_KEY = '901_delete-secret';
const TOKEN_PATH = '/iam/v2/clients/456/tokens/101';
const now = new Date('2026-12-05T09:00:00Z');

afterAll(async () => {
  await Promise.all([redis.quit(), second.quit(), gcore.close()]);
});

beforeEach(async () => {
  prefix = `${base}-revoke-${(n += 1)}`;
  if (gcore) {
    await gcore.close();
  }
  gcore = await startGcoreStandIn();
  gcore.keys.set(AUDIT_KEY, 456);
  gcore.keys.set(DELETE_KEY, 456);
  gcore.accounts.set(456, new Map<number, unknown>([
    [101, gcoreToken(101)],
    [901, gcoreToken(901, { name: 'the deleting key' })],
    [300, gcoreToken(300, { name: 'prod-deploy-bot' })],
  ]));
});

function configFile(remediation: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'revoke-'));
  const path = join(dir, 'audit.yaml');
  writeFileSync(path, JSON.stringify({ gcore: { retries: 1, timeoutMs: 2000 }, accounts: [{ clientId: 456, apiKeyEnv: 'AUDIT_KEY', remediationKeyEnv: 'DELETE_KEY' }], remediation }));
  return path;
}

const cli = (args: string[], clock = now) =>
  cliAt(args, { REDIS_URL: process.env.REDIS_URL, QUEUE_PREFIX: prefix, GCORE_API_URL: gcore.url, AUDIT_KEY, DELETE_KEY, LOG_LEVEL: 'silent' }, clock);

const on = { enabled: true, protect: [{ name: 'prod-*' }] };

async function request(token = '456/101', by = 'alice', config = configFile(on)) {
  const asked = await cli(['revoke', 'request', token, '--reason', 'issuer left', '--by', by, '--config', config]);
  expect(asked).toMatchObject({ code: 0 });
  return asked.stdout.trim();
}

async function listed(config: string): Promise<RevocationRecord[]> {
  const out = await cli(['revoke', 'list', '--format', 'json', '--config', config]);
  return JSON.parse(out.stdout) as RevocationRecord[];
}

describe('revoke: two people, real Redis, the Gcore stand-in', () => {
  it('refuses approval by the person who asked, and carries it out once for another', async () => {
    const config = configFile(on);
    const id = await request('456/101', 'alice', config);
    expect(id).toMatch(/^r-[0-9a-f]{8}$/);
    const self = await cli(['revoke', 'approve', id, '--by', ' Alice ', '--config', config]);
    expect(self.code).toBe(2);
    expect(self.stderr).toContain('Alice asked for this revocation and cannot also approve it');
    expect(gcore.deletes).toBe(0);

    const approved = await cli(['revoke', 'approve', id, '--by', 'bob', '--config', config]);
    expect(approved).toMatchObject({ code: 0 });
    expect(approved.stdout).toContain('token 456/101 revoked (deleted), asked by alice, approved by bob');
    expect(gcore.deletes).toBe(1);
    expect(gcore.accounts.get(456)?.has(101)).toBe(false);

    const again = await cli(['revoke', 'approve', id, '--by', 'carol', '--config', config]);
    expect(again.code).toBe(7);
    expect(gcore.deletes).toBe(1);
    const [record] = await listed(config);
    expect(record).toMatchObject({ id, status: 'done', requestedBy: 'alice', approvedBy: 'bob', reason: 'issuer left', outcome: 'deleted' });
    expect(record?.fingerprint).toMatchObject({ name: 'token-101', roleName: 'Users', issuerId: 123 });
    expect(JSON.stringify(await redis.hgetall(`${prefix}:revoke:requests`))).not.toMatch(/secret|john@example/);
    expect(await redis.hgetall(`${prefix}:revoke:counts`)).toEqual({ done: '1' });
    // Told once, to the default route (the token had no open finding), in the step that recorded it.
    const digests = await createOutboxStore(redis, prefix).pendingDigests(DEFAULT_ROUTE);
    expect(digests.map((d) => [d.runKey, d.messages.length])).toEqual([[`revoked-${id}`, 1]]);
    expect(digests[0]?.messages[0]?.text).toBe('Revoked: Token token-101 (456/101) revoked: deleted, asked by alice (issuer left), approved by bob');
  });

  it('takes a finding id for the token, recording the token\'s open findings; refuses what names no token', async () => {
    const config = configFile(on);
    const f = finding(101);
    await redis.hset(`${prefix}:alerts:findings`, `default/${f.id}`, JSON.stringify(stateOf(f)));
    const id = await request(f.id, 'alice', config);
    expect((await listed(config))[0]).toMatchObject({ id, clientId: 456, tokenId: 101, findings: [f.id] });
    const bad = await cli(['revoke', 'request', 'nope', '--reason', 'x', '--by', 'alice', '--config', config]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected clientId/tokenId (456/101) or the id of an open finding about a token');
    const blank = await cli(['revoke', 'request', '456/101', '--reason', '\u200b', '--by', 'alice', '--config', config]);
    expect(blank.code).toBe(2);
    expect(blank.stderr).toContain('--reason: say why, in visible characters (only invisible ones were given)');
  });

  it('deletes nothing when the token was used between the request and the approval', async () => {
    const config = configFile(on);
    const id = await request('456/101', 'alice', config);
    gcore.accounts.get(456)?.set(101, gcoreToken(101, { last_usage: '2026-12-05T08:30:00.000000Z' }));
    const approved = await cli(['revoke', 'approve', id, '--by', 'bob', '--config', config]);
    expect(approved.code).toBe(7);
    expect(approved.stdout).toContain('refused: the token changed since the request: used since the request');
    expect(gcore.deletes).toBe(0);
    expect((await listed(config))[0]).toMatchObject({ status: 'refused' });
    expect(await createOutboxStore(redis, prefix).pendingDigests(DEFAULT_ROUTE)).toEqual([]);
  });

  it('never deletes the deleting key itself, nor a protected token', async () => {
    const config = configFile(on);
    for (const token of ['456/901', '456/300']) {
      const id = await request(token, 'alice', config);
      const approved = await cli(['revoke', 'approve', id, '--by', 'bob', '--config', config]);
      expect(approved.code).toBe(7);
      expect(approved.stdout).toMatch(token === '456/901' ? /is the deleting key itself/ : /remediation.protect covers its name \("prod-\*"\)/);
    }
    expect(gcore.deletes).toBe(0);
  });

  it('with remediation off, sends no DELETE whatever is in Redis', async () => {
    const id = await request('456/101', 'alice', configFile(on));
    const approved = await cli(['revoke', 'approve', id, '--by', 'bob', '--config', configFile({ enabled: false })]);
    expect(approved.code).toBe(2);
    expect(approved.stderr).toContain('remediation is off');
    expect(gcore.deletes).toBe(0);
  });

  it('a request not approved within approvalHours lapses and deletes nothing', async () => {
    const config = configFile({ ...on, approvalHours: 1 });
    const id = await request('456/101', 'alice', config);
    const late = await cli(['revoke', 'approve', id, '--by', 'bob', '--config', config], new Date(now.getTime() + 3_600_000));
    expect(late.code).toBe(7);
    expect(late.stdout).toContain('lapsed');
    expect(gcore.deletes).toBe(0);
    expect((await listed(config))[0]).toMatchObject({ status: 'lapsed', outcome: 'not approved in time' });
  });

  it('revoke list marks a request past approvalHours lapsed, and keeps one within them pending', async () => {
    const config = configFile({ ...on, approvalHours: 2 });
    const id = await request('456/101', 'alice', config);
    const at = async (ms: number) => JSON.parse((await cli(['revoke', 'list', '--format', 'json', '--config', config], new Date(now.getTime() + ms))).stdout) as RevocationRecord[];
    expect((await at(7_199_999))[0]).toMatchObject({ id, status: 'pending' });
    expect((await at(7_200_000))[0]).toMatchObject({ id, status: 'lapsed', outcome: 'not approved in time' });
    expect(await redis.hgetall(`${prefix}:revoke:counts`)).toEqual({ lapsed: '1' });
  });

  it('keep records who and why, the request becomes kept and can then not be approved; --by and --reason are required and cleaned', async () => {
    const config = configFile(on);
    const id = await request('456/101', 'alice', config);
    expect((await cli(['revoke', 'keep', id, '--reason', 'billing uses it', '--config', config])).code).toBe(2);
    expect(await cli(['revoke', 'keep', id, '--by', '\u200b', '--reason', 'billing uses it', '--config', config])).toMatchObject({ code: 2 });
    expect((await cli(['revoke', 'keep', id, '--by', 'carol', '--reason', ' \u200b ', '--config', config])).stderr).toContain('--reason: say why the token stays');
    expect((await listed(config))[0]).toMatchObject({ status: 'pending' });

    const kept = await cli(['revoke', 'keep', id, '--by', 'carol\u200b', '--reason', 'billing uses it', '--config', config]);
    expect(kept).toMatchObject({ code: 0, stdout: `kept ${id}: token 456/101 stays (billing uses it)\n` });
    expect((await listed(config))[0]).toMatchObject({ id, status: 'kept', closedBy: 'carol', outcome: 'kept by carol: billing uses it' });
    expect((await cli(['revoke', 'approve', id, '--by', 'bob', '--config', config])).code).toBe(7);
    expect(await cli(['revoke', 'keep', id, '--by', 'dave', '--reason', 'again', '--config', config])).toMatchObject({ code: 2, stderr: expect.stringContaining(`${id} is kept, not pending`) });
    expect(gcore.deletes).toBe(0);
    expect(await redis.hgetall(`${prefix}:revoke:counts`)).toEqual({ kept: '1' });
  });

  it('cancel closes a pending request, which can then not be approved', async () => {
    const config = configFile(on);
    const id = await request('456/101', 'alice', config);
    expect(await cli(['revoke', 'cancel', id, '--by', 'alice', '--config', config])).toMatchObject({ code: 0 });
    expect((await cli(['revoke', 'approve', id, '--by', 'bob', '--config', config])).code).toBe(7);
    expect(gcore.deletes).toBe(0);
  });
});

describe('revoke: once across processes, whatever crashes', () => {
  function deps(connection: Redis, overrides: Partial<RevokeDeps> = {}): RevokeDeps {
    const limiter = createRequestLimiter({ concurrency: 4 });
    const api = createGcoreApi({ baseUrl: gcore.url, apiVersion: 'v2', timeoutMs: 500, retries: 1, limiter, retryBaseDelayMs: 1 });
    return {
      store: createRevocationStore(connection, prefix),
      api,
      deleter: createTokenDeleter({ baseUrl: gcore.url, apiVersion: 'v2', timeoutMs: 500, retries: 2, limiter, getToken: (c, t, k) => api.getToken(c, t, k), retryBaseDelayMs: 1 }),
      keys: () => ({ deleteKey: DELETE_KEY, auditKey: AUDIT_KEY }),
      protect: [],
      approvalHours: 72,
      clock: () => now,
      logger: pino({ level: 'silent' }),
      ...overrides,
    };
  }
  const record = (): RevocationRecord => ({
    id: 'r-00000001', clientId: 456, tokenId: 101, reason: 'left', requestedBy: 'alice', requestedAt: now.toISOString(), requestedAtMs: now.getTime(),
    findings: [], fingerprint: fingerprintOf(parseToken(gcoreToken(101))), status: 'pending', approvedBy: null, approvedAt: null,
    owner: null, attempt: 0, leaseUntil: null, outcome: null, finishedAt: null,
  });

  it('two approvers on separate connections at once give one DELETE', async () => {
    gcore.latencyMs = 50; // both claims race while the first re-read is in flight
    await createRevocationStore(redis, prefix).add(record());
    const results = await Promise.all([carryOutRevocation('r-00000001', 'bob', deps(redis)), carryOutRevocation('r-00000001', 'carol', deps(second))]);
    expect(results.map((r) => r.kind).sort()).toEqual(['busy', 'done']);
    expect(gcore.deletes).toBe(1);
  });

  it('after a crash in executing, the next claimant re-reads first: gone means done, with no DELETE', async () => {
    const store = createRevocationStore(redis, prefix);
    await store.add(record());
    await store.claim('r-00000001', { owner: 'crashed', approvedBy: 'bob', now, leaseMs: 60_000, approvalHours: 72 });
    gcore.accounts.get(456)?.delete(101); // the crashed process's DELETE had taken effect
    expect((await carryOutRevocation('r-00000001', 'carol', deps(redis))).kind).toBe('busy');
    const later = new Date(now.getTime() + 60_000);
    const result = await carryOutRevocation('r-00000001', 'carol', deps(second, { clock: () => later }));
    expect(result).toMatchObject({ kind: 'done', record: { outcome: 'already gone (HTTP 404 when re-read)', attempt: 2, approvedBy: 'bob' } });
    expect(gcore.deletes).toBe(0);
    // The crashed claim, back to life, cannot write over its successor.
    expect(await store.finish({ id: 'r-00000001', owner: 'crashed', attempt: 1 }, 'refused', 'late', later)).toBeNull();
  });

  it('a claim taken over cannot record an end over its successor, who still can', async () => {
    const store = createRevocationStore(redis, prefix);
    await store.add(record());
    const first = await store.claim('r-00000001', { owner: 'a', approvedBy: 'bob', now, leaseMs: 1000, approvalHours: 72 });
    const later = new Date(now.getTime() + 1000);
    const taken = await store.claim('r-00000001', { owner: 'b', approvedBy: 'carol', now: later, leaseMs: 1000, approvalHours: 72 });
    expect([first?.verdict, taken?.verdict]).toEqual(['claimed', 'resumed']);
    expect(await store.finish(first?.record as RevocationRecord, 'done', 'deleted', later)).toBeNull();
    expect(await store.get('r-00000001')).toMatchObject({ status: 'executing', owner: 'b', attempt: 2 });
    expect(await store.finish(taken?.record as RevocationRecord, 'refused', 'changed', later)).toMatchObject({ status: 'refused', outcome: 'changed' });
    for (const name of ['claim-revocation', 'finish-revocation', 'close-revocation']) {
      expect(readFileSync(`src/store/lua/${name}.lua`, 'utf8')).toMatch(/KEYS\[1\] revocations[\s\S]*ARGV\[1\] the revocation's id/);
    }
  });

  it('tells the routes of the token\'s open findings, once, even when a take-over finds it already gone', async () => {
    const store = createRevocationStore(redis, prefix);
    await store.add(record());
    const state = { ...stateOf(finding(101)), key: `team-a/${finding(101).id}`, route: 'team-a' };
    await redis.hset(`${prefix}:alerts:findings`, state.key, JSON.stringify(state));
    await store.claim('r-00000001', { owner: 'crashed', approvedBy: 'bob', now, leaseMs: 1, approvalHours: 72 });
    gcore.accounts.get(456)?.delete(101);
    const later = new Date(now.getTime() + 1);
    const result = await carryOutRevocation('r-00000001', 'carol', deps(redis, { clock: () => later, alertStates: createAlertStateStore(redis, prefix) }));
    expect(result.kind).toBe('done');
    const outbox = createOutboxStore(redis, prefix);
    expect((await outbox.pendingDigests('team-a')).map((d) => d.messages.map((m) => m.text))).toEqual([
      ['Revoked: Token token-101 (456/101) revoked: already gone (HTTP 404 when re-read), asked by alice (left), approved by bob'],
    ]);
    expect(await outbox.pendingDigests(DEFAULT_ROUTE)).toEqual([]);
    // The open finding is marked, so the run that resolves it says who revoked it (resolve-reason.ts).
    const marked = JSON.parse((await redis.hget(`${prefix}:alerts:findings`, state.key)) ?? '{}') as typeof state;
    expect(marked.finding.revoked).toEqual({ by: 'alice', approvedBy: 'bob' });
    expect(await redis.get(`${prefix}:alerts:version`)).toBe('1');
    expect((await carryOutRevocation('r-00000001', 'carol', deps(redis, { clock: () => later, alertStates: createAlertStateStore(redis, prefix) }))).kind).toBe('finished');
    expect(await outbox.pendingDigests('team-a')).toHaveLength(1);
  });

  it('a 500 after the DELETE took effect is settled by a read, not a second DELETE', async () => {
    await createRevocationStore(redis, prefix).add(record());
    gcore.scripts.set(TOKEN_PATH, (req) => {
      if (req.method !== 'DELETE') {
        return undefined;
      }
      gcore.accounts.get(456)?.delete(101);
      return { status: 500, body: '{"detail":"oops"}' };
    });
    const result = await carryOutRevocation('r-00000001', 'bob', deps(redis));
    expect(result).toMatchObject({ kind: 'done', record: { outcome: 'deleted' } });
    expect(gcore.deletes).toBe(1);
  });

  it('a hung DELETE is followed by a read; only a token still there is asked again', async () => {
    await createRevocationStore(redis, prefix).add(record());
    gcore.scripts.set(TOKEN_PATH, (req, count) => (req.method === 'DELETE' && count <= 2 ? { hang: true } : undefined));
    const result = await carryOutRevocation('r-00000001', 'bob', deps(redis));
    expect(result).toMatchObject({ kind: 'done', record: { outcome: 'deleted' } });
    expect(gcore.requests.filter((r) => r.startsWith('DELETE') || r.startsWith('GET'))).toEqual([
      `GET ${TOKEN_PATH}`, `DELETE ${TOKEN_PATH}`, `GET ${TOKEN_PATH}`, `DELETE ${TOKEN_PATH}`,
    ]);
    expect(gcore.deletes).toBe(2);
  });

  it('a 429 with Retry-After proves nothing was done: the DELETE is sent again; a 403 is refused', async () => {
    const store = createRevocationStore(redis, prefix);
    await store.add(record());
    gcore.scripts.set(TOKEN_PATH, (req, count) => (req.method === 'DELETE' && count === 2 ? { status: 429, headers: { 'retry-after': '0' } } : undefined));
    expect((await carryOutRevocation('r-00000001', 'bob', deps(redis))).kind).toBe('done');
    expect(gcore.deletes).toBe(2);

    await store.add({ ...record(), id: 'r-00000002', tokenId: 300, fingerprint: fingerprintOf(parseToken(gcoreToken(300, { name: 'prod-deploy-bot' }))) });
    gcore.scripts.set('/iam/v2/clients/456/tokens/300', (req) => (req.method === 'DELETE' ? { status: 403, body: '{}' } : undefined));
    const refused = await carryOutRevocation('r-00000002', 'bob', deps(redis));
    expect(refused).toMatchObject({ kind: 'refused' });
    expect(refused.record?.outcome).toContain('HTTP 403');
  });
});
