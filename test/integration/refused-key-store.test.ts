import { afterAll, describe, expect, it } from '@jest/globals';
import { createRefusedKeyStore } from '../../src/store/refused-key-store.js';
import { countedRedis, failingOnce } from '../support/counted-redis.js';
import { testRedis } from '../support/store-fixtures.js';
import { storeKeys } from '../../src/store/store-keys.js';

const { redis, prefix } = testRedis();
afterAll(() => redis.quit());

/** The client with its reads counted (HGET or HGETALL: each one a round trip). */
const counted = () => {
  const c = countedRedis(redis, ['hget', 'hgetall']);
  return { client: c.client, reads: c.calls };
};

describe('refused key store (real Redis): two replicas of one run', () => {
  it("a replica knows its own refusal at once; another replica's within recheckMs, not by one read a token", async () => {
    let clock = 1_000;
    const a = counted();
    const b = counted();
    const replicaA = createRefusedKeyStore(a.client, prefix, { recheckMs: 250, now: () => clock }).forRun('run-1');
    const replicaB = createRefusedKeyStore(b.client, prefix, { recheckMs: 250, now: () => clock }).forRun('run-1');

    expect(await replicaB.get('GCORE_API_KEY:7')).toBeUndefined(); // the first ask reads
    await replicaA.set('GCORE_API_KEY:7', 'GCORE_API_KEY was rejected (401).');
    expect(await replicaA.get('GCORE_API_KEY:7')).toBe('GCORE_API_KEY was rejected (401).');
    expect(a.reads()).toBe(0); // its own refusal, known without asking Redis

    // Within recheckMs of its last read, B answers from its copy: many token jobs, no round trip.
    for (let i = 0; i < 20; i += 1) {
      expect(await replicaB.get('GCORE_API_KEY:7')).toBeUndefined();
    }
    expect(b.reads()).toBe(1);

    clock += 250;
    expect(await replicaB.get('GCORE_API_KEY:7')).toBe('GCORE_API_KEY was rejected (401).');
    expect(b.reads()).toBe(2);
    // Known from then on, without another read however long the run lasts.
    clock += 10_000;
    expect(await replicaB.get('GCORE_API_KEY:7')).toBe('GCORE_API_KEY was rejected (401).');
    expect(b.reads()).toBe(2);
  });

  it('token jobs asking together share one read', async () => {
    const b = counted();
    const run = createRefusedKeyStore(b.client, prefix, { recheckMs: 250, now: () => 5_000 }).forRun('run-2');
    await createRefusedKeyStore(redis, prefix).forRun('run-2').set('K:1', 'refused');
    const answers = await Promise.all(Array.from({ length: 16 }, async () => run.get('K:1')));
    expect(answers).toEqual(Array.from({ length: 16 }, () => 'refused'));
    expect(b.reads()).toBe(1);
  });

  it("a new run starts with no refusal: the last run's are not carried over by a replica's copy", async () => {
    const store = createRefusedKeyStore(redis, prefix, { recheckMs: 60_000, now: () => 9_000 });
    await store.forRun('run-3').set('K:2', 'refused in run 3');
    expect(await store.forRun('run-3').get('K:2')).toBe('refused in run 3');
    expect(await store.forRun('run-4').get('K:2')).toBeUndefined();
  });

  it('without recheckMs, every ask reads Redis (what `recheckMs: 0` promises)', async () => {
    const b = counted();
    const run = createRefusedKeyStore(b.client, prefix).forRun('run-5');
    expect(await run.get('K:3')).toBeUndefined();
    await createRefusedKeyStore(redis, prefix).forRun('run-5').set('K:3', 'refused');
    expect(await run.get('K:3')).toBe('refused');
    expect(b.reads()).toBe(2);
    // Even at one instant of the clock: recheckMs 0 never reuses a copy.
    const c = counted();
    const still = createRefusedKeyStore(c.client, prefix, { now: () => 42 }).forRun('run-5');
    expect(await still.get('K:9')).toBeUndefined();
    await createRefusedKeyStore(redis, prefix).forRun('run-5').set('K:9', 'refused');
    expect(await still.get('K:9')).toBe('refused');
    expect(c.reads()).toBe(2);
  });

  it("keeps a run's refusals in Redis a day, long past the run's token jobs, not for ever", async () => {
    await createRefusedKeyStore(redis, prefix).forRun('run-8').set('K:6', 'refused');
    const ttl = await redis.ttl(storeKeys(prefix).refused('run-8'));
    expect(ttl).toBeGreaterThan(86_000);
    expect(ttl).toBeLessThanOrEqual(86_400);
  });

  it('a failed read is not joined: the next token job reads again at once, within recheckMs', async () => {
    await createRefusedKeyStore(redis, prefix).forRun('run-6').set('K:4', 'refused');
    const run = createRefusedKeyStore(failingOnce(redis, 'hgetall'), prefix, { recheckMs: 60_000, now: () => 7_000 }).forRun('run-6');
    await expect(run.get('K:4')).rejects.toThrow('hgetall failed (test)');
    expect(await run.get('K:4')).toBe('refused');
  });

  it("with recheckMs and the default clock, the copy is reused within recheckMs (the worker's setting)", async () => {
    const b = counted();
    const run = createRefusedKeyStore(b.client, prefix, { recheckMs: 60_000 }).forRun('run-7');
    expect(await run.get('K:5')).toBeUndefined();
    expect(await run.get('K:5')).toBeUndefined();
    expect(b.reads()).toBe(1);
  });
});
