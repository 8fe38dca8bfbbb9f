import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { GcoreAuthError, GcoreNotFoundError, GcoreUnavailableError, StateConflictError } from '../../src/core/errors.js';
import { createLogger } from '../../src/core/logger.js';
import type { Mute } from '../../src/core/mute.js';
import { UNKNOWN_ISSUER } from '../../src/core/issuer-facts.js';
import { stateKey, type AlertState } from '../../src/alerts/plan-alerts.js';
import { findingId, NO_TOKEN } from '../../src/core/finding.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/config.js';
import type { Secrets } from '../../src/config/secrets.js';
import type { GcoreApi } from '../../src/gcore/gcore-api.js';
import type { SweepCommit } from '../../src/store/sentinel-store.js';
import type { IssuerLookup } from '../../src/store/issuer-facts-store.js';
import { sweepAccounts, type SweepDeps } from '../../src/run/sweep-accounts.js';
import { gcoreToken } from '../support/gcore-stand-in.js';
import { logSink } from '../support/log-sink.js';
import { NOW } from '../support/tokens.js';

const dir = mkdtempSync(join(tmpdir(), 'sweep-accounts-'));
const configOf = (yaml: string): Config => {
  const path = join(dir, `audit-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, yaml);
  return loadConfig(path, {});
};
// 456 named "Prod"; the account of OTHER_KEY learns its id (789) from /iam/clients/me; 999 is never listed.
const config = configOf(
  [
    'accounts:',
    '  - { clientId: 456, name: Prod }',
    '  - { apiKeyEnv: OTHER_KEY, name: Other }',
    '  - { clientId: 999, apiKeyEnv: THIRD_KEY, discover: false }',
    'sentinel: { everySeconds: 60 }',
    '',
  ].join('\n'),
);
const secrets: Secrets = { get: (name) => `key-of-${name}`, known: () => [] };
const admin = (id: number, clientId = 456) =>
  gcoreToken(id, { exp_date: null, client_user: { ...(gcoreToken(id, {}, clientId).client_user as object), role: { id: 1, name: 'Administrators' } } }, clientId);

/** Gcore with the tokens of each account (by client id); getToken of an id not held fails (503); calls recorded. */
function gcore(accounts: Record<number, Record<number, Record<string, unknown>>>, more: Partial<GcoreApi> = {}): GcoreApi & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    getAccountId: (key) => (calls.push(`me ${key}`), Promise.resolve(789)),
    listTokens: (clientId) => (calls.push(`list ${clientId}`), Promise.resolve(Object.values(accounts[clientId] ?? {}))),
    getToken: (clientId, tokenId) => {
      calls.push(`get ${clientId}:${tokenId}`);
      const t = accounts[clientId]?.[tokenId];
      return t === undefined ? Promise.reject(new GcoreUnavailableError('HTTP 503', undefined)) : Promise.resolve(t);
    },
    ...more,
  };
}

/** The sentinel's store in memory: the seen sets, what was recorded and committed; `conflicts` commits refused first. */
function memoryStore(seen: Record<number, number[]>, conflicts = 0) {
  const sets = new Map(Object.entries(seen).map(([k, v]) => [Number(k), new Set(v)]));
  const recorded: Map<number, readonly number[]>[] = [];
  const commits: SweepCommit[] = [];
  let refuse = conflicts;
  return {
    recorded,
    commits,
    seen: (clientId: number) => Promise.resolve(sets.has(clientId) ? new Set(sets.get(clientId)) : null),
    record: (m: ReadonlyMap<number, readonly number[]>) => (recorded.push(new Map(m)), Promise.resolve()),
    commitSweep: (input: SweepCommit) => {
      if (refuse > 0) {
        refuse -= 1;
        return Promise.reject(new StateConflictError('a run committed first'));
      }
      commits.push(input);
      return Promise.resolve();
    },
  };
}

function deps(api: GcoreApi, store: ReturnType<typeof memoryStore>, more: Partial<SweepDeps> = {}) {
  const sink = logSink();
  let loads = 0;
  const states = new Map<string, AlertState>();
  let t = NOW.getTime() - 1000; // the first reading is the sweep's time: NOW
  const d: SweepDeps = {
    config,
    sentinel: { everySeconds: 60, minSeverity: 'high' },
    api,
    secrets,
    states: { load: () => ((loads += 1), Promise.resolve({ version: loads, states })) },
    store,
    mutes: () => Promise.resolve([]),
    clock: () => new Date((t += 1000)),
    logger: createLogger({ level: 'info', destination: sink }),
    ...more,
  };
  return { d, sink, loads: () => loads, states };
}

/** Token `id`'s never-expiring-admin state on route default, as a sweep would write it. */
function stateOf(id: number): AlertState {
  const finding = {
    ...NO_TOKEN, id: findingId(456, id, 'never-expiring-admin'), rule: 'never-expiring-admin' as const, severity: 'critical' as const, clientId: 456,
    accountName: 'Prod', tokenId: id, tokenName: `token-${id}`, message: 'm', remediation: 'r', muted: false, muteReason: null,
  };
  return { key: stateKey('default', finding.id), route: 'default', finding, firstSeen: NOW.toISOString(), lastSeen: NOW.toISOString(), lastNotified: NOW.toISOString() };
}

describe('sweepAccounts (the sentinel, stores in memory)', () => {
  it('lists only the discovering accounts; records an account never seen, posts nothing of it', async () => {
    const api = gcore({ 456: { 1: admin(1) }, 789: { 5: admin(5, 789) }, 999: { 9: admin(9, 999) } });
    const store = memoryStore({});
    const { d, loads } = deps(api, store);
    const result = await sweepAccounts(d, 'sweep-1');
    expect(api.calls.sort()).toEqual(['list 456', 'list 789', 'me key-of-OTHER_KEY']);
    expect(result).toEqual({ sweep: 'sweep-1', accounts: 2, listFailed: 0, seeded: 2, newTokens: 0, posted: [] });
    expect(store.recorded).toEqual([new Map([[456, [1]], [789, [5]]])]);
    expect(store.commits).toEqual([]);
    expect(loads()).toBe(0);
  });

  it('learns an account id once: the next sweep with the same map does not ask /iam/clients/me again', async () => {
    const learntIds = new Map<string, number>();
    const api = gcore({ 456: {}, 789: {} });
    const store = memoryStore({ 456: [], 789: [] });
    await sweepAccounts(deps(api, store, { learntIds }).d, 'sweep-1');
    expect(learntIds).toEqual(new Map([['OTHER_KEY', 789]]));
    api.calls.length = 0;
    await sweepAccounts(deps(api, store, { learntIds }).d, 'sweep-2');
    expect(api.calls.sort()).toEqual(['list 456', 'list 789']);
    // An account with its id in the configuration is never put in the map.
    expect([...learntIds.keys()]).toEqual(['OTHER_KEY']);
  });

  it('reads and posts only the new tokens, under the configured name, at or above the minimum; commits the read ones as seen', async () => {
    const api = gcore({ 456: { 1: admin(1), 2: admin(2), 3: gcoreToken(3) }, 789: { 5: admin(5, 789) } });
    const store = memoryStore({ 456: [1], 789: [5] });
    const { d, sink, states } = deps(api, store);
    // Token 1's finding is open since ten days (told by a run): it stays in the open counts beside the new one.
    const old = { ...stateOf(1), firstSeen: '2026-11-19T12:00:00.000Z' };
    states.set(old.key, old);
    const result = await sweepAccounts(d, 'sweep-1');
    expect(api.calls.filter((c) => c.startsWith('get')).sort()).toEqual(['get 456:2', 'get 456:3']);
    expect(result).toEqual({
      sweep: 'sweep-1',
      accounts: 2,
      listFailed: 0,
      seeded: 0,
      newTokens: 2,
      posted: [{ route: 'default', created: ['2026-09-01T00:00:00.000Z'] }],
    });
    expect(store.recorded).toEqual([]);
    expect(store.commits).toHaveLength(1);
    const c = store.commits[0]!;
    expect(c.sweep).toBe('sweep-1');
    expect(c.version).toBe(1);
    expect(c.seen).toEqual(new Map([[456, [2, 3]]]));
    expect(c.upserts.map((u) => [u.route, u.finding.tokenId, u.finding.rule, u.finding.accountName, u.lastNotified])).toEqual([
      ['default', 2, 'never-expiring-admin', 'Prod', NOW.toISOString()],
    ]);
    expect(c.digests.map((x) => x.route)).toEqual(['default']);
    expect(JSON.stringify(c.digests[0]!.messages)).toContain('token-2');
    expect(c.entry).toMatchObject({
      startedAt: NOW.toISOString(),
      summary: { accounts: 2, tokensAudited: 2, findings: 1, muted: 0, failed: 0, bySeverity: { critical: 1, high: 0, medium: 0, low: 0 } },
      counts: { new: 1 },
    });
    // The clock is read once for the sweep's time and once as it commits.
    expect(Date.parse(c.entry!.finishedAt)).toBeGreaterThan(NOW.getTime());
    expect(c.entry!.openCounts).toEqual(new Map([['never-expiring-admin|critical', 2]]));
    expect(c.entry!.oldestOpen).toEqual(new Map([['critical', Date.parse(old.firstSeen)]]));
    const info = sink.parsed().find((l) => l.msg === 'sentinel: new tokens to post');
    expect(info).toMatchObject({ job: 'sweep', sweep: 'sweep-1', routes: [{ route: 'default', tokens: 1, left: 0 }] });
  });

  it('an account not listed is counted and logged, never seeded; the others go on', async () => {
    const api = gcore(
      { 789: { 5: admin(5, 789) } },
      { listTokens: (clientId) => (clientId === 456 ? Promise.reject(new GcoreAuthError('HTTP 401')) : Promise.resolve([admin(5, 789)])) },
    );
    const store = memoryStore({ 789: [] });
    const { d, sink } = deps(api, store);
    const result = await sweepAccounts(d, 'sweep-1');
    expect(result).toMatchObject({ accounts: 2, listFailed: 1, seeded: 0, newTokens: 1 });
    expect(result.posted.map((p) => p.route)).toEqual(['default']);
    expect(store.commits[0]!.entry!.summary.accounts).toBe(1);
    const warn = sink.parsed().find((l) => l.level === 'warn');
    expect(warn).toMatchObject({ account: 'account 456' });
    expect(String(warn?.msg)).toMatch(/^sentinel: account not listed, nothing of it posted: .*401/);
  });

  it('an account whose id cannot be learnt is not listed: "no account id"', async () => {
    const api = gcore({ 456: {} }, { getAccountId: () => Promise.reject(new GcoreAuthError('HTTP 401')) });
    const store = memoryStore({ 456: [] });
    const learntIds = new Map<string, number>();
    const { d } = deps(api, store, { learntIds });
    const result = await sweepAccounts(d, 'sweep-1');
    expect(result).toMatchObject({ listFailed: 1 });
    expect(store.recorded).toEqual([]);
    expect(learntIds).toEqual(new Map()); // nothing learnt, not even a null
  });

  it('a new token that cannot be read stays unseen (the next sweep tries it), and counts as failed', async () => {
    const api = gcore({ 456: { 1: admin(1) } });
    const listed = [admin(1), gcoreToken(7)]; // 7 is listed, but its read fails
    const store = memoryStore({ 456: [], 789: [] });
    const { d, sink } = deps({ ...api, listTokens: (id) => Promise.resolve(id === 456 ? listed : []) }, store);
    await sweepAccounts(d, 'sweep-1');
    expect(store.commits[0]!.seen).toEqual(new Map([[456, [1]]]));
    expect(store.commits[0]!.entry!.summary).toMatchObject({ tokensAudited: 1, failed: 1 });
    expect(sink.parsed().find((l) => l.level === 'warn')).toMatchObject({ clientId: 456, tokenId: 7, msg: 'sentinel: a new token could not be read; the next sweep tries again' });
  });

  it('nothing read: no states loaded, nothing committed', async () => {
    const api = gcore({ 456: { 7: gcoreToken(7) } }, { getToken: () => Promise.reject(new GcoreUnavailableError('HTTP 503', undefined)) });
    const store = memoryStore({ 456: [], 789: [] });
    const { d, loads } = deps(api, store);
    const result = await sweepAccounts(d, 'sweep-1');
    expect(result).toEqual({ sweep: 'sweep-1', accounts: 2, listFailed: 0, seeded: 0, newTokens: 1, posted: [] });
    expect(loads()).toBe(0);
    expect(store.commits).toEqual([]);
  });

  it('a new token with no finding is committed as seen, with nothing to post and no line saying so', async () => {
    const api = gcore({ 456: { 3: gcoreToken(3) } });
    const store = memoryStore({ 456: [], 789: [] });
    const { d, sink } = deps(api, store);
    const result = await sweepAccounts(d, 'sweep-1');
    expect(result.posted).toEqual([]);
    expect(store.commits[0]!.seen).toEqual(new Map([[456, [3]]]));
    expect(store.commits[0]!.digests).toEqual([]);
    expect(sink.parsed().some((l) => l.msg === 'sentinel: new tokens to post')).toBe(false);
  });

  it('applies the mutes in force: a muted finding is counted as muted and not posted', async () => {
    const api = gcore({ 456: { 2: admin(2) } });
    const store = memoryStore({ 456: [], 789: [] });
    const mute: Mute = {
      id: 'm1', source: 'config', rule: 'never-expiring-admin', clientId: 456, tokenId: 2, reason: 'known', by: null,
      until: new Date(NOW.getTime() + 86_400_000),
    } as Mute;
    const { d } = deps(api, store, { mutes: () => Promise.resolve([mute]) });
    const result = await sweepAccounts(d, 'sweep-1');
    expect(result.posted).toEqual([]);
    expect(store.commits[0]!.entry!.summary).toMatchObject({ findings: 1, muted: 1 });
  });

  it('a commit refused because a run committed first is planned again from the states read anew', async () => {
    const api = gcore({ 456: { 2: admin(2) } });
    const store = memoryStore({ 456: [], 789: [] }, 1);
    const { d, loads, sink } = deps(api, store);
    const result = await sweepAccounts(d, 'sweep-1');
    expect(loads()).toBe(2);
    expect(store.commits.map((c) => c.version)).toEqual([2]);
    expect(result.posted).toHaveLength(1);
    expect(sink.parsed().find((l) => l.msg === 'sentinel: a run or sweep committed first: planning again from its state')).toMatchObject({ attempt: 1 });
  });

  it("reuses the last run's issuer facts; without any, reads each issuer from Gcore; asks for none without a new token", async () => {
    const gone = { ...UNKNOWN_ISSUER, gcore: 'deleted' as const };
    const lookup: IssuerLookup = { get: () => Promise.resolve({ mark: null, facts: gone }), set: () => Promise.resolve() };
    let asked = 0;
    const issuers = () => ((asked += 1), Promise.resolve(lookup));
    const api = gcore({ 456: { 3: gcoreToken(3) } });
    const store = memoryStore({ 456: [], 789: [] });
    await sweepAccounts(deps(api, store, { issuers }).d, 'sweep-1');
    expect(asked).toBe(1);
    expect(store.commits[0]!.upserts.map((u) => u.finding.rule)).toEqual(['issuer-deleted']);

    // Nothing new: the facts are not read.
    await sweepAccounts(deps(api, memoryStore({ 456: [3], 789: [] }), { issuers }).d, 'sweep-2');
    expect(asked).toBe(1);

    // No run kept facts: the sweep reads the issuer itself (here a 404: deleted).
    const users: number[] = [];
    const reading = gcore({ 456: { 3: gcoreToken(3) } }, { getUser: (id) => (users.push(id), Promise.reject(new GcoreNotFoundError('no user'))) });
    const fresh = memoryStore({ 456: [], 789: [] });
    await sweepAccounts(deps(reading, fresh, { issuers: () => Promise.resolve(null) }).d, 'sweep-3');
    expect(users).toEqual([123]);
    expect(fresh.commits[0]!.upserts.map((u) => u.finding.rule)).toEqual(['issuer-deleted']);
  });

  it("refreshes the company directory before reading, and judges new tokens' issuers by it", async () => {
    let refreshed = 0;
    const directory = { problem: null, verdict: () => ({ status: 'absent' as const }), refresh: () => ((refreshed += 1), Promise.resolve()) };
    const api = gcore({ 456: { 3: gcoreToken(3) } });
    const store = memoryStore({ 456: [], 789: [] });
    await sweepAccounts(deps(api, store, { directory }).d, 'sweep-1');
    expect(refreshed).toBe(1);
    expect(store.commits[0]!.upserts.map((u) => u.finding.rule)).toEqual(['issuer-left']);
  });

  it('with quarantine entries none: nothing is quarantined and the announcement is posted as it is', async () => {
    const api = gcore({ 456: { 2: admin(2) } });
    const store = memoryStore({ 456: [], 789: [] });
    let marked = 0;
    const quarantine = { entries: [], store: { markAnnounced: () => ((marked += 1), Promise.resolve()) } } as unknown as SweepDeps['quarantine'];
    const result = await sweepAccounts(deps(api, store, { quarantine }).d, 'sweep-1');
    expect(result.posted).toHaveLength(1);
    expect(marked).toBe(0);
  });
});
