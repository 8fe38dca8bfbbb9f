import { afterAll, describe, expect, it } from '@jest/globals';
import { UNKNOWN_ISSUER, type IssuerFacts } from '../../src/core/issuer-facts.js';
import { createIssuerFactsStore, type RosterMark } from '../../src/store/issuer-facts-store.js';
import { countedRedis } from '../support/counted-redis.js';
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
    // An account whose roster failed, and one the run did not read: answered from the copy too.
    expect(await store.heldForRun('run-1').get(11, 7)).toEqual({ mark: { keyUserId: null, error: 'HTTP 403' }, facts: undefined });
    expect(await store.heldForRun('run-1').get(12, 7)).toEqual({ mark: null, facts: undefined });
    expect(replica.reads()).toBe(1);

    // The next run's facts, never the last run's copy.
    expect(await store.heldForRun('run-2').get(10, 7)).toEqual({ mark: READ, facts: present(3) });
    expect(await store.heldForRun('run-2').get(10, 8)).toEqual({ mark: READ, facts: undefined });
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
});
