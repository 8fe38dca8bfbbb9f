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
import { testRedis } from '../support/store-fixtures.js';

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
});
