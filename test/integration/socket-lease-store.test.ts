import { afterAll, describe, expect, it } from '@jest/globals';
import { createSocketLeaseStore, INTERACTION_CLAIM_MS } from '../../src/store/socket-lease-store.js';
import { testRedis } from '../support/store-fixtures.js';

const { redis, prefix: base } = testRedis();
afterAll(() => redis.quit());
let n = 0;
const fresh = () => `${base}-lease-${(n += 1)}`;
const TTL_MS = 60_000;

describe('socket lease store (real Redis): one replica holds the Slack socket', () => {
  it('gives the lease to one holder under a rising fence; its holder keeps it, another gets nothing', async () => {
    const prefix = fresh();
    const store = createSocketLeaseStore(redis, prefix, TTL_MS);
    expect(await store.holder()).toBeNull();
    expect(await store.acquire('a')).toBe('1:a');
    expect(await store.acquire('b')).toBeNull();
    expect(await store.acquire('a')).toBe('1:a'); // asking again keeps the lease and its number
    expect(await store.holder()).toBe('1:a');
    const pttl = await redis.pttl(`${prefix}:slack:socket-lease`);
    expect(pttl).toBeGreaterThan(TTL_MS - 5_000);
    expect(pttl).toBeLessThanOrEqual(TTL_MS);

    await store.release('1:a');
    expect(await store.holder()).toBeNull();
    expect(await store.acquire('b')).toBe('2:b'); // a new holder, a higher fence
  });

  it('renews and releases only its own value: a holder whose lease ran out touches nothing of the next', async () => {
    const prefix = fresh();
    const store = createSocketLeaseStore(redis, prefix, TTL_MS);
    const key = `${prefix}:slack:socket-lease`;
    const value = await store.acquire('a');
    expect(value).toBe('1:a');
    await redis.pexpire(key, 1_000);
    expect(await store.renew('1:a')).toBe(true);
    expect(await redis.pttl(key)).toBeGreaterThan(TTL_MS - 5_000);

    // The lease ran out and b took it: a's value renews and releases nothing.
    await redis.del(key);
    expect(await store.acquire('b')).toBe('2:b');
    expect(await store.renew('1:a')).toBe(false);
    await store.release('1:a');
    expect(await store.holder()).toBe('2:b');
    expect(await store.renew('2:b')).toBe(true);
  });

  it('claims an interaction once, only under the lease value now held, and remembers it a day', async () => {
    const prefix = fresh();
    const store = createSocketLeaseStore(redis, prefix, TTL_MS);
    expect(await store.claim('1:a', 'k1')).toBe('not-holder'); // nobody holds the lease
    expect(await store.acquire('a')).toBe('1:a');
    expect(await store.claim('1:b', 'k1')).toBe('not-holder');
    expect(await store.claim('1:a', 'k1')).toBe('claimed');
    expect(await store.claim('1:a', 'k1')).toBe('duplicate');
    expect(await store.claim('1:a', 'k2')).toBe('claimed');
    const pttl = await redis.pttl(`${prefix}:slack:interaction:k1`);
    expect(pttl).toBeGreaterThan(INTERACTION_CLAIM_MS - 60_000);
    expect(pttl).toBeLessThanOrEqual(INTERACTION_CLAIM_MS);
    expect(INTERACTION_CLAIM_MS).toBe(86_400_000);
  });
});
