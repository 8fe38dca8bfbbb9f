import { afterAll, afterEach, describe, expect, it, jest } from '@jest/globals';
import { UNKNOWN_ISSUER, type IssuerFacts } from '../../src/core/issuer-facts.js';
import { createIssuerFactsStore, type RosterMark } from '../../src/store/issuer-facts-store.js';
import { storeKeys } from '../../src/store/store-keys.js';
import { countedRedis, failingOnce } from '../support/counted-redis.js';
import { testRedis } from '../support/store-fixtures.js';
import { until } from '../support/worker-process.js';

const { redis, prefix } = testRedis();
afterAll(() => redis.quit());

/** The client with its reads counted (HMGET, HGETALL: each one a round trip). */
const counted = () => {
  const c = countedRedis(redis, ['hmget', 'hgetall']);
  return { client: c.client, reads: c.calls };
};

const present = (roleId: number): IssuerFacts => ({ ...UNKNOWN_ISSUER, gcore: 'present', canSignIn: true, sso: false, currentRoleId: roleId });
const READ: RosterMark = { keyUserId: 9, error: null };
const account = (clientId: number, users: [number, IssuerFacts][], mark: RosterMark = READ) => [clientId, mark, new Map(users)] as const;

describe('issuer facts store (real Redis): a replica holding a run for its token jobs', () => {
  it('reads the run once for all its token jobs, and a new run anew', async () => {
    const writer = createIssuerFactsStore(redis, prefix);
    await writer.save('run-1', [account(10, [[7, present(1)], [8, present(2)]]), account(11, [], { keyUserId: null, error: 'HTTP 403' })]);
    await writer.save('run-2', [account(10, [[7, present(3)]])]);
    const replica = counted();
    const store = createIssuerFactsStore(replica.client, prefix);

    const first = await Promise.all([store.heldForRun('run-1').get(10, 7), store.heldForRun('run-1').get(10, 8)]);
    expect(first).toEqual([
      { mark: READ, facts: present(1) },
      { mark: READ, facts: present(2) },
    ]);
    // An account whose roster failed: answered from the copy too.
    expect(await store.heldForRun('run-1').get(11, 7)).toEqual({ mark: { keyUserId: null, error: 'HTTP 403' }, facts: undefined });
    expect(replica.reads()).toBe(1);
    // One the copy does not know (its people may have been stored since): asked of Redis.
    expect(await store.heldForRun('run-1').get(12, 7)).toEqual({ mark: null, facts: undefined });
    expect(replica.reads()).toBe(2);

    // The next run's facts, never the last run's copy.
    expect(await store.heldForRun('run-2').get(10, 7)).toEqual({ mark: READ, facts: present(3) });
    expect(await store.heldForRun('run-2').get(10, 8)).toEqual({ mark: READ, facts: undefined });
  });

  it('finds an account whose people were stored after its copy was read (the run job stores them a batch at a time), and reads the copy again at most every second', async () => {
    const writer = createIssuerFactsStore(redis, prefix);
    await writer.save('run-10', [account(90, [[1, present(1)]])]);
    const replica = counted();
    let clock = 10_000;
    const store = createIssuerFactsStore(replica.client, prefix, { now: () => clock });
    expect(await store.heldForRun('run-10').get(90, 1)).toEqual({ mark: READ, facts: present(1) });
    await writer.save('run-10', [account(91, [[1, present(2)], [2, present(3)]])]); // the next batch
    expect(await store.heldForRun('run-10').get(91, 1)).toEqual({ mark: READ, facts: present(2) });
    expect(replica.reads()).toBe(2); // the copy, then Redis for the account it lacks; not the copy again within a second
    clock += 1_000;
    expect(await store.heldForRun('run-10').get(91, 2)).toEqual({ mark: READ, facts: present(3) });
    await until(() => Promise.resolve(replica.reads() === 4), 2_000, 'the copy read again');
    // Once read again, the copy answers for the new account: no more round trips.
    const fromCopy = async () => {
      const before = replica.reads();
      expect(await store.heldForRun('run-10').get(91, 1)).toEqual({ mark: READ, facts: present(2) });
      return replica.reads() === before;
    };
    await until(fromCopy, 2_000, 'the copy answering for account 91');
    expect(await store.heldForRun('run-10').get(91, 2)).toEqual({ mark: READ, facts: present(3) });
    expect(await fromCopy()).toBe(true);
  });

  it("asks Redis for a user its copy lacks in a read roster: another replica's set is used, not asked of Gcore again", async () => {
    const writer = createIssuerFactsStore(redis, prefix);
    await writer.save('run-3', [account(20, [[7, present(1)]])]);
    const replicaA = createIssuerFactsStore(redis, prefix).heldForRun('run-3');
    const replicaB = createIssuerFactsStore(redis, prefix).heldForRun('run-3');
    expect(await replicaB.get(20, 7)).toEqual({ mark: READ, facts: present(1) }); // B holds the run now
    await replicaA.set(20, 99, present(4)); // a user outside the roster, read one by one by A
    expect(await replicaA.get(20, 99)).toEqual({ mark: READ, facts: present(4) });
    expect(await replicaB.get(20, 99)).toEqual({ mark: READ, facts: present(4) });
  });

  it('drops a copy no token job asked for in releaseAfterMs (it is not kept through the report job); the next job reads again', async () => {
    await createIssuerFactsStore(redis, prefix).save('run-5', [account(40, [[1, present(1)]])]);
    const replica = counted();
    let clock = 1_000;
    const store = createIssuerFactsStore(replica.client, prefix, { releaseAfterMs: 20, now: () => clock });
    expect(await store.heldForRun('run-5').get(40, 1)).toEqual({ mark: READ, facts: present(1) });
    expect(store.heldRun()).toBe('run-5');
    clock += 20;
    await until(() => Promise.resolve(store.heldRun() === null), 2_000, 'the idle copy dropped');
    expect(await store.heldForRun('run-5').get(40, 1)).toEqual({ mark: READ, facts: present(1) });
    expect(replica.reads()).toBe(2);
  });

  it('over maxHeldFields, holds nothing and reads one token at a time', async () => {
    const writer = createIssuerFactsStore(redis, prefix);
    await writer.save('run-4', [account(30, [[1, present(1)], [2, present(1)], [3, present(1)]])]);
    const replica = counted();
    const store = createIssuerFactsStore(replica.client, prefix, { maxHeldFields: 3 }); // 4 fields: 3 users and the mark
    expect(await store.heldForRun('run-4').get(30, 1)).toEqual({ mark: READ, facts: present(1) });
    expect(await store.heldForRun('run-4').get(30, 2)).toEqual({ mark: READ, facts: present(1) });
    expect(replica.reads()).toBe(2); // two HMGETs, no HGETALL
  });

  it('holds a run of exactly maxHeldFields fields', async () => {
    await createIssuerFactsStore(redis, prefix).save('run-6', [account(50, [[1, present(1)], [2, present(1)], [3, present(1)]])]);
    const replica = counted();
    const store = createIssuerFactsStore(replica.client, prefix, { maxHeldFields: 4 }); // the 3 users and the mark
    expect(await store.heldForRun('run-6').get(50, 1)).toEqual({ mark: READ, facts: present(1) });
    expect(await store.heldForRun('run-6').get(50, 2)).toEqual({ mark: READ, facts: present(1) });
    expect(replica.reads()).toBe(1); // one HGETALL
  });

  it('sets a user in a run too big to hold: written to Redis for the next token job', async () => {
    await createIssuerFactsStore(redis, prefix).save('run-7', [account(60, [[1, present(1)], [2, present(1)]])]);
    const store = createIssuerFactsStore(redis, prefix, { maxHeldFields: 1 });
    await store.heldForRun('run-7').set(60, 99, present(5));
    expect(await store.heldForRun('run-7').get(60, 99)).toEqual({ mark: READ, facts: present(5) });
  });

  it('does not keep a failed read: the next token job reads the run again', async () => {
    await createIssuerFactsStore(redis, prefix).save('run-8', [account(70, [[1, present(1)]])]);
    const store = createIssuerFactsStore(failingOnce(redis, 'hlen'), prefix);
    await expect(store.heldForRun('run-8').get(70, 1)).rejects.toThrow('hlen failed (test)');
    expect(await store.heldForRun('run-8').get(70, 1)).toEqual({ mark: READ, facts: present(1) });
  });

  it("a run's failed read does not drop the next run's copy, asked for meanwhile", async () => {
    await createIssuerFactsStore(redis, prefix).save('run-9', [account(80, [[1, present(1)]])]);
    const store = createIssuerFactsStore(failingOnce(redis, 'hlen'), prefix);
    const failed = store.heldForRun('run-8').get(70, 1);
    const next = store.heldForRun('run-9').get(80, 1);
    await expect(failed).rejects.toThrow('hlen failed (test)');
    expect(await next).toEqual({ mark: READ, facts: present(1) });
    expect(store.heldRun()).toBe('run-9');
  });

  it('writes every field of a roster larger than one HSET chunk, in a few round trips', async () => {
    const users = Array.from({ length: 1_200 }, (_, i): [number, IssuerFacts] => [i + 1, present(i)]);
    // 1,201 fields and 299 more: 1,500 in all, three whole chunks of 500 and an empty last one.
    const more = Array.from({ length: 298 }, (_, i): [number, IssuerFacts] => [i + 1, present(i)]);
    const c = countedRedis(redis, ['multi', 'set']);
    await createIssuerFactsStore(c.client, prefix).save('run-10', [account(90, users), account(91, more)]);
    expect(c.calls()).toBe(4); // three HSETs (each with the TTL), then `latest`
    const all = await redis.hgetall(storeKeys(prefix).issuers('run-10'));
    expect(Object.keys(all)).toHaveLength(1_500);
    for (const [clientId, roster] of [[90, users], [91, more]] as const) {
      expect(all[`${clientId}:roster`]).toBe(JSON.stringify(READ));
      for (const [userId, facts] of roster) {
        expect(all[`${clientId}:${userId}`]).toBe(JSON.stringify(facts));
      }
    }
  });
});

describe('issuer facts store (real Redis): what outlives the run', () => {
  it('keeps a run\'s facts and the name of the latest run a day, also after a set; latest is that run, or null', async () => {
    const p = `${prefix}-latest`;
    const keys = storeKeys(p);
    const store = createIssuerFactsStore(redis, p);
    expect(await store.latest()).toBeNull();
    await store.save('run-20', [account(120, [[1, present(1)]])]);
    await store.save('run-21', [account(120, [[1, present(2)]])]);
    expect(await (await store.latest())?.get(120, 1)).toEqual({ mark: READ, facts: present(2) });
    const inADay = async (key: string) => {
      const ttl = await redis.ttl(key);
      expect([key, ttl > 86_000 && ttl <= 86_400]).toEqual([key, true]);
    };
    await inADay(keys.issuersLatest);
    await inADay(keys.issuers('run-21'));
    // A run whose accounts were all unreadable has no field: its hash is made by a later set, with the TTL.
    await store.save('run-22', []);
    await store.forRun('run-22').set(120, 7, present(3));
    await inADay(keys.issuers('run-22'));
    // The TTL with every chunk written, not only at the end (a run job that dies half way).
    const failingLast = new Proxy(redis, {
      get(target, prop, receiver) {
        if (prop === 'set') {
          // The last step (`latest`) fails: only the chunks' writes land.
          return () => Promise.reject(new Error('died half way (test)'));
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    await expect(createIssuerFactsStore(failingLast, p).save('run-23', [account(120, [[1, present(1)]])])).rejects.toThrow('died half way (test)');
    await inADay(keys.issuers('run-23'));
  });
});

describe('issuer facts store (real Redis): when a held copy is dropped', () => {
  // Only the release timer is faked (Redis' own timers run as ever); the copy's idle time is the injected clock.
  const fakeInterval = () =>
    jest.useFakeTimers({
      doNotFake: ['Date', 'hrtime', 'nextTick', 'performance', 'queueMicrotask', 'requestAnimationFrame', 'cancelAnimationFrame', 'requestIdleCallback', 'cancelIdleCallback', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout'],
    });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('keeps the copy while token jobs ask within releaseAfterMs, drops it once they stop, and stops its timer', async () => {
    await createIssuerFactsStore(redis, prefix).save('run-11', [account(100, [[1, present(1)]])]);
    fakeInterval();
    const replica = counted();
    let clock = 1_000;
    const store = createIssuerFactsStore(replica.client, prefix, { releaseAfterMs: 100, now: () => clock });
    for (let i = 0; i < 3; i += 1) {
      expect(await store.heldForRun('run-11').get(100, 1)).toEqual({ mark: READ, facts: present(1) });
      clock += 60;
      jest.advanceTimersByTime(100); // the timer looks: the last ask was 60 ms ago
      expect(store.heldRun()).toBe('run-11');
    }
    expect(replica.reads()).toBe(1);
    clock += 40; // 100 ms since the last ask
    jest.advanceTimersByTime(100);
    expect(store.heldRun()).toBeNull();
    expect(jest.getTimerCount()).toBe(0);
  });

  it("an earlier run's timer does not drop the copy of the run asked for now", async () => {
    await createIssuerFactsStore(redis, prefix).save('run-12', [account(110, [[1, present(1)]])]);
    await createIssuerFactsStore(redis, prefix).save('run-13', [account(110, [[1, present(2)]])]);
    fakeInterval();
    let clock = 1_000;
    const store = createIssuerFactsStore(redis, prefix, { releaseAfterMs: 100, now: () => clock });
    expect(await store.heldForRun('run-12').get(110, 1)).toEqual({ mark: READ, facts: present(1) });
    clock += 100;
    expect(await store.heldForRun('run-13').get(110, 1)).toEqual({ mark: READ, facts: present(2) });
    jest.advanceTimersByTime(100);
    expect(store.heldRun()).toBe('run-13');
    expect(jest.getTimerCount()).toBe(1); // run-12's timer stopped, run-13's still looking
  });
});
