import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createGcoreApi } from '../../src/gcore/create-gcore-api.js';
import { createRequestLimiter } from '../../src/gcore/request-limiter.js';
import { readRoster } from '../../src/run/read-roster.js';
import { rosterEntries, storedIssuerOf } from '../../src/run/stored-issuers.js';
import { createRedisClient, queueSettings, type RedisClient } from '../../src/store/redis-connection.js';
import { createIssuerFactsStore } from '../../src/store/issuer-facts-store.js';
import { gcoreUser, startGcoreStandIn, type GcoreStandIn } from '../support/gcore-stand-in.js';

const KEY = '456_gcore-secret-key-sentinel';
let gcore: GcoreStandIn;
let redis: RedisClient;

beforeEach(async () => {
  gcore = await startGcoreStandIn();
  gcore.keys.set(KEY, 456);
  gcore.keyUsers.set(KEY, 2);
  gcore.users.set(456, [gcoreUser(1), gcoreUser(2), gcoreUser(3, 456, { deleted: true })]);
  redis = createRedisClient(queueSettings({ REDIS_URL: process.env.REDIS_URL ?? '' }));
});

afterEach(async () => {
  await redis.quit();
  await gcore.close();
});

const api = () => createGcoreApi({ baseUrl: gcore.url, apiVersion: 'v2', timeoutMs: 2000, retries: 0, limiter: createRequestLimiter({ concurrency: 2 }) });
const userCalls = () => gcore.requests.filter((r) => /^GET \/iam\/users\/\d+$/.test(r));

describe('the sentinel reuses the last run\'s issuer facts', () => {
  it('answers from the last run\'s facts without a call, and reads a user it has not seen once', async () => {
    const store = createIssuerFactsStore(redis, `t${randomUUID().slice(0, 8)}`);
    expect(await store.latest()).toBeNull();
    const roster = await readRoster(456, KEY, api());
    await store.save('run-a', rosterEntries(new Map([[456, roster]])));
    const lookup = await store.latest();
    if (lookup === null) {
      throw new Error('the last run\'s facts were not kept');
    }
    const before = gcore.requests.length;
    const issuerOf = storedIssuerOf(lookup, api(), { reuse: true });
    expect(await issuerOf(456, 2, KEY)).toMatchObject({ gcore: 'present', isKeyUser: true });
    expect(await issuerOf(456, 3, KEY)).toMatchObject({ gcore: 'deleted' });
    expect(gcore.requests.length).toBe(before); // from Redis alone

    expect(await issuerOf(456, 77, KEY)).toMatchObject({ gcore: 'deleted', isKeyUser: false }); // 404: deleted
    expect(await issuerOf(456, 77, KEY)).toMatchObject({ gcore: 'deleted' });
    expect(userCalls()).toEqual(['GET /iam/users/77']); // once: kept for the next asker
    // An account the last run did not read: the sentinel still reads the issuer rather than pass it blind.
    gcore.users.set(456, [...(gcore.users.get(456) ?? []), gcoreUser(78, 456, { is_active: false })]);
    expect(await issuerOf(999, 78, KEY)).toMatchObject({ gcore: 'present', canSignIn: false });
  });
});
