import { afterAll, describe, expect, it } from '@jest/globals';
import type { AlertState } from '../../src/alerts/plan-alerts.js';
import { createAlertStateStore } from '../../src/store/alert-state-store.js';
import { createRunCommitter } from '../../src/store/commit-run.js';
import { sharedStrings } from '../../src/core/shared-strings.js';
import { finding } from '../support/findings.js';
import { commitOf, stateOf, testRedis } from '../support/store-fixtures.js';

const { redis, prefix } = testRedis();
afterAll(() => redis.quit());

describe('alert state store (real Redis)', () => {
  it('loads the states with the version they were committed under; knownTokens lists each token with an open finding once', async () => {
    const states = createAlertStateStore(redis, prefix);
    expect(await states.load()).toEqual({ states: new Map(), version: 0 });
    const committer = createRunCommitter(redis, prefix);
    const a = stateOf(finding(101, 'stale'));
    const b = stateOf(finding(101, 'never-used'));
    const c = stateOf(finding(102, 'stale', 'medium', { tokenName: null }));
    await committer.commitRun(commitOf('r1', { upserts: [a, b, c], gapKeys: ['456:key-rejected'], openCounts: new Map([['stale|medium', 2]]) }));
    const loaded = await states.load();
    expect(loaded.version).toBe(1);
    expect(loaded.states).toEqual(new Map([a, b, c].map((s) => [s.key, s])));
    expect((await states.knownTokens()).sort((x, y) => x.tokenId - y.tokenId)).toEqual([
      { clientId: 456, tokenId: 101, name: 'token-101' },
      { clientId: 456, tokenId: 102, name: null },
    ]);
    expect(await states.gapKeys()).toEqual(['456:key-rejected']);
    expect(await states.openCounts()).toEqual(new Map([['stale|medium', 2]]));

    await committer.commitRun(commitOf('r2', { version: 1, resolvedIds: [a.key, b.key] }));
    expect((await states.load()).version).toBe(2);
    expect(await states.knownTokens()).toEqual([{ clientId: 456, tokenId: 102, name: null }]);
    expect(await states.gapKeys()).toEqual([]);
  });

  /** `redis` counting its HSCANs and HGETALLs, running `before` ahead of each HSCAN. */
  function watched(before: (scans: number) => Promise<unknown>) {
    const calls = { hscan: 0, hgetall: 0 };
    const client = new Proxy(redis, {
      get(target, prop, receiver) {
        if (prop === 'hscan') {
          return async (...args: Parameters<typeof redis.hscan>) => {
            calls.hscan += 1;
            await before(calls.hscan);
            return target.hscan(...args);
          };
        }
        if (prop === 'multi') {
          return () => {
            const m = target.multi();
            const hgetall = m.hgetall.bind(m);
            m.hgetall = (...args: Parameters<typeof m.hgetall>) => {
              calls.hgetall += 1;
              return hgetall(...args);
            };
            return m;
          };
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    return { client, calls };
  }

  it('loads the states a page at a time, never all their text in one reply', async () => {
    const p = `${prefix}-pages`;
    const all = Array.from({ length: 2_500 }, (_, i) => stateOf(finding(i + 1)));
    await createRunCommitter(redis, p).commitRun(commitOf('r1', { upserts: all }));
    const { client, calls } = watched(() => Promise.resolve());
    expect(await createAlertStateStore(client, p).load()).toEqual({ version: 1, states: new Map(all.map((s) => [s.key, s])) });
    expect(calls.hscan).toBeGreaterThan(2);
    expect(calls.hgetall).toBe(0);
  });

  it("keys a state by the field it is stored under, in the map and in the state (one text, the field's)", async () => {
    const p = `${prefix}-field`;
    const a = stateOf(finding(1));
    // A state whose JSON names another key than its field (written by hand, or damaged): the field is what commits delete by.
    await redis.hset(`${p}:alerts:findings`, a.key, JSON.stringify({ ...a, key: 'elsewhere/1' }));
    const loaded = await createAlertStateStore(redis, p).load();
    expect([...loaded.states.keys()]).toEqual([a.key]);
    expect(loaded.states.get(a.key)?.key).toBe(a.key);
  });

  it('reads again when a commit lands during the scan: the states are those of the version it gives', async () => {
    const p = `${prefix}-moved`;
    const committer = createRunCommitter(redis, p);
    const a = stateOf(finding(1));
    const b = stateOf(finding(2));
    await committer.commitRun(commitOf('r1', { upserts: [a] }));
    const { client } = watched((scans) => (scans === 1 ? committer.commitRun(commitOf('r2', { version: 1, upserts: [b], resolvedIds: [a.key] })) : Promise.resolve()));
    expect(await createAlertStateStore(client, p).load()).toEqual({ version: 2, states: new Map([[b.key, b]]) });
  });

  it('falls back to one transaction when commits keep landing during the scans', async () => {
    const p = `${prefix}-busy`;
    const committer = createRunCommitter(redis, p);
    const states = Array.from({ length: 5 }, (_, i) => stateOf(finding(i + 1)));
    await committer.commitRun(commitOf('r0', { upserts: [states[0] as AlertState] }));
    const { client, calls } = watched((scans) => committer.commitRun(commitOf(`r${scans}`, { version: scans, upserts: [states[scans] as AlertState] })));
    expect(await createAlertStateStore(client, p).load()).toEqual({ version: 4, states: new Map(states.slice(0, 4).map((s) => [s.key, s])) });
    expect(calls).toEqual({ hscan: 3, hgetall: 1 });
  });

  it('scan hands every state over a page at a time, with the version it is of; null when a commit came in during it', async () => {
    const p = `${prefix}-scan`;
    const committer = createRunCommitter(redis, p);
    const all = Array.from({ length: 1_200 }, (_, i) => stateOf(finding(i + 1)));
    const empty = createAlertStateStore(redis, p);
    expect(await empty.scan(() => undefined)).toBe(0);
    await committer.commitRun(commitOf('r1', { upserts: all }));
    const { client, calls } = watched(() => Promise.resolve());
    const handed = new Map<string, string>();
    expect(await createAlertStateStore(client, p).scan((key, json) => handed.set(key, json))).toBe(1);
    expect(calls.hscan).toBeGreaterThan(1);
    expect(handed).toEqual(new Map(all.map((s) => [s.key, JSON.stringify(s)])));

    const extra = stateOf(finding(5_000));
    const moved = watched((scans) => (scans === 1 ? committer.commitRun(commitOf('r2', { version: 1, upserts: [extra] })) : Promise.resolve()));
    expect(await createAlertStateStore(moved.client, p).scan(() => undefined)).toBeNull();
  });

  it('getMany answers the states at the keys asked that exist, keyed by their field, and asks nothing for no key', async () => {
    const p = `${prefix}-many`;
    const a = stateOf(finding(1));
    const b = stateOf(finding(2));
    await redis.hset(`${p}:alerts:findings`, a.key, JSON.stringify(a), b.key, JSON.stringify({ ...b, key: 'elsewhere/2' }));
    const store = createAlertStateStore(redis, p);
    expect(await store.getMany([b.key, 'missing/3', a.key], sharedStrings())).toEqual([b, a]);
    const { client, calls } = watched(() => Promise.resolve());
    const hmget = { n: 0 };
    const counting = new Proxy(client, {
      get(target, prop, receiver) {
        if (prop === 'hmget') {
          hmget.n += 1;
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    expect(await createAlertStateStore(counting, p).getMany([], sharedStrings())).toEqual([]);
    expect(hmget.n).toBe(0);
    expect(calls.hscan).toBe(0);
  });
});
