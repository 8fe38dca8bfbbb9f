import { afterAll, describe, expect, it } from '@jest/globals';
import { createHistoryStore } from '../../src/store/history-store.js';
import { storeKeys } from '../../src/store/store-keys.js';
import { testRedis } from '../support/store-fixtures.js';

// The history read back from a real Redis: every entry however many pages it takes, a damaged one skipped,
// and the oldest open finding per severity only where Redis holds a number.
const { redis, prefix } = testRedis();
afterAll(() => redis.quit());

const entry = (id: string) =>
  JSON.stringify({ v: 1, id, tr: 's', s: 0, f: 0, a: 0, t: 0, fi: 0, mu: 0, fa: 0, n: 0, r: 0, o: 0, sl: 0, bs: [0, 0, 0, 0, 0], ra: [0, 0], c: {}, old: {} });

describe('history store', () => {
  it('reads every entry since a time, newest first, past a page of 1,000, skipping one it cannot read', async () => {
    const p = `${prefix}-h`;
    const key = storeKeys(p).history;
    const members: (string | number)[] = [];
    for (let i = 1; i <= 1_001; i += 1) {
      members.push(i, entry(`r${i}`));
    }
    members.push(2_000, '{"v":2,"damaged":true}');
    await redis.zadd(key, ...members);
    const read = await createHistoryStore(redis, p).since(0);
    expect(read).toHaveLength(1_001);
    expect(read[0]?.id).toBe('r1001');
    expect(read[1_000]?.id).toBe('r1');
    expect((await createHistoryStore(redis, p).since(1_001)).map((e) => e.id)).toEqual(['r1001']);
  });

  it('reads exactly one page whole', async () => {
    const p = `${prefix}-page`;
    const members: (string | number)[] = [];
    for (let i = 1; i <= 1_000; i += 1) {
      members.push(i, entry(`r${i}`));
    }
    await redis.zadd(storeKeys(p).history, ...members);
    expect(await createHistoryStore(redis, p).since(0)).toHaveLength(1_000);
  });

  it('gives the oldest open finding per severity only where Redis holds a number', async () => {
    const p = `${prefix}-o`;
    await redis.hset(storeKeys(p).oldestOpen, { critical: '1764936000000', high: 'soon', medium: 'Infinity', info: '5' });
    expect(await createHistoryStore(redis, p).oldestOpen()).toEqual(new Map([['critical', 1764936000000], ['info', 5]]));
  });
});
