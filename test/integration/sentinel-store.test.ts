import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { StateConflictError } from '../../src/core/errors.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { GcoreApi } from '../../src/gcore/gcore-api.js';
import { sweepAccounts } from '../../src/run/sweep-accounts.js';
import { createAlertStateStore } from '../../src/store/alert-state-store.js';
import { createSentinelStore } from '../../src/store/sentinel-store.js';
import { gcoreToken } from '../support/gcore-stand-in.js';
import { NOW } from '../support/tokens.js';
import { reportOf, testRedis } from '../support/store-fixtures.js';
import { storeKeys } from '../../src/store/store-keys.js';

const { redis, prefix } = testRedis();
afterAll(() => redis.quit());

const dir = mkdtempSync(join(tmpdir(), 'sentinel-store-'));
writeFileSync(join(dir, 'audit.yaml'), 'accounts: [{ clientId: 456 }]\nsentinel: { everySeconds: 60 }\n');
const config = loadConfig(join(dir, 'audit.yaml'), {});
const admin = (id: number) => gcoreToken(id, { exp_date: null, client_user: { ...(gcoreToken(id).client_user as object), role: { id: 1, name: 'Administrators' } } });

function sweepOver(p: string, tokens: Map<number, Record<string, unknown>>) {
  const api: GcoreApi = {
    getAccountId: () => Promise.resolve(456),
    listTokens: () => Promise.resolve([...tokens.values()]),
    getToken: (_clientId: number, tokenId: number) => Promise.resolve(tokens.get(tokenId)),
  };
  const sentinel = config.sentinel;
  if (sentinel === null) {
    throw new Error('the sentinel is on in this configuration');
  }
  return sweepAccounts(
    {
      config,
      sentinel,
      api,
      secrets: { get: () => 'key-value-1', known: () => [] },
      states: createAlertStateStore(redis, p),
      store: createSentinelStore(redis, p),
      mutes: () => Promise.resolve([]),
      clock: () => NOW,
      logger: pino({ level: 'silent' }),
    },
    `sweep-${p}`,
  );
}

describe("the sentinel's store (real Redis)", () => {
  it('an account recorded with no tokens is not "never recorded": its first new token is posted, not only recorded', async () => {
    const p = `${prefix}a`;
    const store = createSentinelStore(redis, p);
    expect(await store.seen(456)).toBeNull(); // never recorded
    await store.record(new Map([[456, []]]));
    expect(await store.seen(456)).toEqual(new Set());

    const result = await sweepOver(p, new Map([[201, admin(201)]]));
    expect(result.seeded).toBe(0);
    expect(result.newTokens).toBe(1);
    expect(result.posted.map((r) => r.route)).toEqual(['default']);
    expect(await store.seen(456)).toEqual(new Set([201]));
  });

  it('an account never recorded is only recorded: nothing is posted for what it holds', async () => {
    const p = `${prefix}b`;
    const result = await sweepOver(p, new Map([[201, admin(201)]]));
    expect(result.seeded).toBe(1);
    expect(result.posted).toEqual([]);
    expect(await createSentinelStore(redis, p).seen(456)).toEqual(new Set([201]));
  });

  it("refuses a sweep's commit planned from a stale state version, and writes nothing of it", async () => {
    const p = `${prefix}c`;
    const store = createSentinelStore(redis, p);
    await store.record(new Map([[456, []]]));
    await redis.incr(`${p}:alerts:version`); // a run committed since the sweep read version 0
    const before = (await redis.keys(`${p}:*`)).sort();
    const commit = store.commitSweep({
      sweep: 'sweep-stale',
      version: 0,
      upserts: [],
      digests: [{ route: 'default', messages: [{ text: 'New token', blocks: [] }] }],
      seen: new Map([[456, [201]]]),
    });
    await expect(commit).rejects.toBeInstanceOf(StateConflictError);
    expect((await redis.keys(`${p}:*`)).sort()).toEqual(before);
    expect(await store.seen(456)).toEqual(new Set());
    // The same commit from the current version goes through.
    await store.commitSweep({ sweep: 'sweep-fresh', version: 1, upserts: [], digests: [], seen: new Map([[456, [201]]]) });
    expect(await store.seen(456)).toEqual(new Set([201]));
  });

  it('records every id of a large account (in chunks) and an account with none, each marked recorded', async () => {
    const p = `${prefix}d`;
    const store = createSentinelStore(redis, p);
    const ids = Array.from({ length: 2_500 }, (_, i) => i + 1);
    await store.record(new Map([[456, ids], [789, []]]));
    expect(await store.seen(456)).toEqual(new Set(ids));
    expect(await redis.scard(`${p}:sentinel:seen:456`)).toBe(2_501);
    expect(await store.seen(789)).toEqual(new Set());
    // A set without the mark (never recorded by a sweep nor a run) is not "recorded".
    await redis.sadd(`${p}:sentinel:seen:999`, '5');
    expect(await store.seen(999)).toBeNull();
  });

  const entry = {
    startedAt: '2026-11-29T12:00:00.000Z',
    finishedAt: '2026-11-29T12:00:01.000Z',
    summary: reportOf('s').summary,
    counts: { new: 1, resolved: 0, open: 1 },
  };

  it('writes a sweep entry only when it posts; without oldestOpen the gauge is left as it was; delivered once its digest is gone', async () => {
    const p = `${prefix}e`;
    const store = createSentinelStore(redis, p);
    const keys = storeKeys(p);
    await store.commitSweep({ sweep: 'sweep-quiet', version: 0, upserts: [], digests: [], seen: new Map(), entry });
    expect(await redis.exists(keys.run('sweep-quiet'), keys.runs, keys.history)).toBe(0);

    await redis.hset(keys.oldestOpen, 'high', '123');
    const digests = [{ route: 'default', messages: [{ text: 'New token', blocks: [] }] }, { route: 'ops', messages: [{ text: 'a', blocks: [] }, { text: 'b', blocks: [] }] }];
    await store.commitSweep({ sweep: 'sweep-1', version: 0, upserts: [], digests, seen: new Map(), entry });
    expect(await redis.hmget(keys.run('sweep-1'), 'trigger', 'counts', 'routes')).toEqual([
      'sentinel',
      JSON.stringify(entry.counts),
      JSON.stringify([{ route: 'default', messages: 1 }, { route: 'ops', messages: 2 }]),
    ]);
    expect(JSON.parse((await redis.hget(keys.run('sweep-1'), 'head')) ?? '')).toEqual({ startedAt: entry.startedAt, finishedAt: entry.finishedAt, summary: entry.summary });
    expect(await redis.ttl(keys.run('sweep-1'))).toBeGreaterThan(86_000);
    expect(await redis.zrange(keys.runs, 0, -1, 'WITHSCORES')).toEqual(['sweep-1', String(Date.parse(entry.startedAt))]);
    expect((await redis.smembers(keys.runPending('sweep-1'))).sort()).toEqual(['default', 'ops']);
    const [history = ''] = await redis.zrange(keys.history, 0, -1);
    expect(JSON.parse(history)).toMatchObject({ id: 'sweep-1', tr: 'x', sl: 3 });
    expect(await redis.hgetall(keys.oldestOpen)).toEqual({ high: '123' });

    expect(await store.delivered('sweep-1', 'ops')).toBe(false);
    await redis.del(keys.digest('sweep-1', 'ops'));
    expect(await store.delivered('sweep-1', 'ops')).toBe(true);
    expect(await store.delivered('sweep-1', 'default')).toBe(false);
  });

  it('withLock runs one sweep at a time, renews the lock while it runs, and releases it after, even when it throws', async () => {
    const p = `${prefix}f`;
    const store = createSentinelStore(redis, p);
    const lock = `${p}:sentinel:lock`;
    let inner: boolean | null = null;
    let renewed = false;
    expect(
      await store.withLock(300, async () => {
        inner = await store.withLock(300, () => Promise.reject(new Error('never run')));
        // Shortened by hand: the renewal (every 100 ms) sets it back to 300 ms.
        await redis.pexpire(lock, 60_000);
        const deadline = Date.now() + 5_000;
        while (!renewed && Date.now() < deadline) {
          renewed = (await redis.pttl(lock)) <= 300;
        }
      }),
    ).toBe(true);
    expect(inner).toBe(false);
    expect(renewed).toBe(true);
    expect(await redis.exists(lock)).toBe(0);

    await expect(store.withLock(300, () => Promise.reject(new Error('sweep failed')))).rejects.toThrow('sweep failed');
    expect(await redis.exists(lock)).toBe(0);
    // Another holder's lock is neither renewed nor released by a sweep that lost it.
    expect(
      await store.withLock(60_000, async () => {
        await redis.set(lock, 'another', 'PX', 60_000);
      }),
    ).toBe(true);
    expect(await redis.get(lock)).toBe('another');
  });
});
