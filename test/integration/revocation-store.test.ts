import { afterAll, describe, expect, it } from '@jest/globals';
import {
  createRevocationStore,
  newRevocationId,
  NOT_STARTED,
  pendingRevocation,
  revokedRunKey,
  type QuarantineDetails,
  type RevocationRecord,
} from '../../src/store/revocation-store.js';
import { storeKeys } from '../../src/store/store-keys.js';
import { testRedis } from '../support/store-fixtures.js';

const { redis, prefix: base } = testRedis();
afterAll(() => redis.quit());
let n = 0;
const fresh = () => `${base}-revocations-${(n += 1)}`;
const HOUR = 3_600_000;
const now = new Date('2026-12-05T12:00:00.000Z');
const fingerprint = { name: 'deploy-bot', roleId: 1, roleName: 'Administrators', expDate: null, lastUsage: null, issuerId: 7 };

function request(id: string, tokenId: number, hoursAgo: number, more: Partial<RevocationRecord> = {}): RevocationRecord {
  const at = new Date(now.getTime() - hoursAgo * HOUR);
  return {
    id, clientId: 456, tokenId, reason: 'left', requestedBy: 'alice', requestedAt: at.toISOString(), requestedAtMs: at.getTime(),
    findings: ['f1'], fingerprint, ...NOT_STARTED, ...more,
  };
}

const quarantine = (deadline: Date, more: Partial<QuarantineDetails> = {}): QuarantineDetails => ({
  rule: 'never-expiring-admin', afterHours: 24, dryRun: false, rules: ['never-expiring-admin'], deadline: deadline.toISOString(), ...more,
});
const quarantined = (id: string, tokenId: number, deadline: Date, more: Partial<QuarantineDetails> = {}) => ({
  ...request(id, tokenId, 1), kind: 'quarantine' as const, quarantine: quarantine(deadline, more),
});

describe('revocation store (real Redis)', () => {
  it('makes a pending request from its input: the token as it is now, nobody on it yet; ids short and random', () => {
    const r = pendingRevocation({ clientId: 456, tokenId: 101, reason: 'left', requestedBy: 'alice', now, findings: ['f1'], fingerprint });
    expect(r).toEqual({
      id: r.id, clientId: 456, tokenId: 101, reason: 'left', requestedBy: 'alice', requestedAt: now.toISOString(), requestedAtMs: now.getTime(),
      findings: ['f1'], fingerprint,
      status: 'pending', approvedBy: null, approvedAt: null, owner: null, attempt: 0, leaseUntil: null, outcome: null, finishedAt: null,
    });
    expect(r.id).toMatch(/^r-[0-9a-f]{8}$/);
    expect(newRevocationId()).not.toBe(newRevocationId());
    expect(revokedRunKey('r-1')).toBe('revoked-r-1');
  });

  it('lists every revocation oldest request first, ties by id; a record read back always has its list of findings', async () => {
    const store = createRevocationStore(redis, fresh());
    await store.add(request('r-c', 3, 1));
    await store.add(request('r-b', 2, 5));
    await store.add(request('r-a', 1, 1));
    await store.add({ ...request('r-d', 4, 9), findings: {} as unknown as string[] }); // as Lua's cjson writes []
    expect((await store.list()).map((r) => r.id)).toEqual(['r-d', 'r-b', 'r-a', 'r-c']);
    expect((await store.get('r-d'))?.findings).toEqual([]);
    expect((await store.get('r-a'))?.findings).toEqual(['f1']);
    expect(await store.get('r-none')).toBeNull();
  });

  it('claims and closes only what exists; lapses the pending requests past approvalHours, not quarantines', async () => {
    const store = createRevocationStore(redis, fresh());
    expect(await store.claim('r-none', { owner: 'o', approvedBy: 'bob', now, leaseMs: 1_000, approvalHours: 72 })).toBeNull();
    expect(await store.close('r-none', 'cancelled', 'bob', 'cancelled', now)).toBeNull();
    await store.add(request('r-old', 1, 73));
    await store.add(request('r-new', 2, 71));
    await store.add(request('r-done', 3, 100, { status: 'done' }));
    await store.add({ ...quarantined('r-q', 4, now), requestedAt: new Date(now.getTime() - 100 * HOUR).toISOString() });
    expect(await store.lapseDue(now, 72)).toBe(1);
    expect((await store.list()).map((r) => [r.id, r.status])).toEqual([
      ['r-done', 'done'], ['r-old', 'lapsed'], ['r-new', 'pending'], ['r-q', 'pending'],
    ]);
    expect(await store.lapseDue(now, 72)).toBe(0);
    expect(await store.close('r-old', 'cancelled', 'bob', 'cancelled', now)).toMatchObject({ verdict: 'not-pending', record: { status: 'lapsed' } });
    expect(await store.counts()).toEqual(new Map([['lapsed', 1]]));
  });

  it('counts only the lapses it marked: a request another process cancelled or removed after the listing is not counted', async () => {
    const prefix = fresh();
    const other = createRevocationStore(redis, prefix);
    // Another process cancels r-raced between lapseDue's listing and its close.
    const racing = new Proxy(redis, {
      get(target, prop, receiver) {
        if (prop !== 'hgetall') {
          return Reflect.get(target, prop, receiver) as unknown;
        }
        return async (key: string) => {
          const all = await target.hgetall(key);
          await other.close('r-raced', 'cancelled', 'bob', 'cancelled', now);
          await target.hdel(storeKeys(prefix).revocations, 'r-pruned');
          return all;
        };
      },
    });
    await other.add(request('r-raced', 1, 80));
    await other.add(request('r-old', 2, 73));
    await other.add(request('r-pruned', 3, 90)); // and another removes this record meanwhile: nothing to close
    expect(await createRevocationStore(racing, prefix).lapseDue(now, 72)).toBe(1);
    expect((await other.list()).map((r) => [r.id, r.status])).toEqual([['r-raced', 'cancelled'], ['r-old', 'lapsed']]);
  });

  it('lists the untold endings oldest request first, none when there are none, and skips a record gone', async () => {
    const prefix = fresh();
    const store = createRevocationStore(redis, prefix);
    expect(await store.untoldLapses()).toEqual([]);
    // Nine (one record then gone), most in pairs at one instant: Redis 7.0 answers a small set of strings in an
    // order of its hash seed,
    // so with a few the unsorted order could match by chance.
    const hours: Record<string, number> = { 'r-b': 80, 'r-a': 80, 'r-c': 90, 'r-d': 75, 'r-f': 85, 'r-e': 85, 'r-h': 77, 'r-g': 77, 'r-i': 95 };
    for (const [id, hoursAgo] of Object.entries(hours)) {
      await store.add(request(id, Object.keys(hours).indexOf(id), hoursAgo));
      await store.close(id, 'lapsed', null, 'not approved in time', now);
    }
    await redis.hdel(storeKeys(prefix).revocations, 'r-d');
    expect((await store.untoldLapses()).map((r) => r.id)).toEqual(['r-i', 'r-c', 'r-e', 'r-f', 'r-a', 'r-b', 'r-g', 'r-h']);
  });

  it('prunes what finished before historyDays, with a quarantine\'s index entry, and says how many', async () => {
    const prefix = fresh();
    const keys = storeKeys(prefix);
    const store = createRevocationStore(redis, prefix);
    const longAgo = new Date(now.getTime() - 31 * 24 * HOUR);
    const q = await store.recordQuarantine(quarantined('r-q', 4, longAgo));
    await store.recordQuarantine(quarantined('r-q2', 5, longAgo));
    await store.add(request('r-old', 1, 800));
    await store.add(request('r-recent', 2, 1));
    await store.close(q.id, 'muted', null, 'muted', longAgo);
    await store.close('r-q2', 'kept', 'bob', 'kept', longAgo);
    await store.close('r-old', 'cancelled', 'bob', 'cancelled', longAgo);
    await store.close('r-recent', 'cancelled', 'bob', 'cancelled', now);
    expect(await store.prune(now, 30)).toBe(3);
    expect((await store.list()).map((r) => r.id)).toEqual(['r-recent']);
    expect(await redis.hgetall(keys.quarantineTokens)).toEqual({});
    expect(await redis.zrange(keys.quarantineDue, 0, -1)).toEqual([]);
    expect(await redis.zrange(keys.revocationsFinished, 0, -1)).toEqual(['r-recent']);
    expect(await redis.smembers(keys.revocationLapses)).toEqual([]); // not kept for records gone
    expect(await store.prune(now, 30)).toBe(0);
    // An id finished long ago whose record is gone already: pruned from the index all the same.
    await redis.zadd(keys.revocationsFinished, String(longAgo.getTime()), 'r-ghost');
    expect(await store.prune(now, 30)).toBe(1);
    expect(await redis.zrange(keys.revocationsFinished, 0, -1)).toEqual(['r-recent']);
    // Finished exactly historyDays ago: pruned (the cutoff is inclusive).
    await store.add(request('r-edge', 3, 1));
    await store.close('r-edge', 'cancelled', 'bob', 'cancelled', new Date(now.getTime() - 24 * HOUR));
    expect(await store.prune(now, 1)).toBe(1);
  });

  it("prunes a request of a token whose quarantine stays, and one quarantine of another: the index keeps the token's", async () => {
    const prefix = fresh();
    const store = createRevocationStore(redis, prefix);
    const longAgo = new Date(now.getTime() - 31 * 24 * HOUR);
    await store.recordQuarantine(quarantined('r-q', 4, now));
    await store.recordQuarantine(quarantined('r-q-old', 5, longAgo));
    await store.add(request('r-old', 4, 800));
    await store.close('r-old', 'cancelled', 'bob', 'cancelled', longAgo);
    await store.close('r-q-old', 'muted', null, 'muted', longAgo);
    expect(await store.prune(now, 30)).toBe(2);
    expect(await redis.hgetall(storeKeys(prefix).quarantineTokens)).toEqual({ '456/4': 'r-q' });
  });

  it('answers the quarantines due by deadline, at most `limit`, a record gone as null; settled ones leave the list', async () => {
    const prefix = fresh();
    const store = createRevocationStore(redis, prefix);
    expect(await store.dueQuarantines(now, 10)).toEqual([]);
    const first = await store.recordQuarantine(quarantined('r-1', 1, new Date(now.getTime() - 2 * HOUR)));
    const second = await store.recordQuarantine(quarantined('r-2', 2, now));
    await store.recordQuarantine(quarantined('r-3', 3, new Date(now.getTime() - HOUR)));
    await store.recordQuarantine(quarantined('r-4', 4, new Date(now.getTime() + 1)));
    await redis.hdel(storeKeys(prefix).revocations, 'r-3');
    expect(await store.dueQuarantines(now, 10)).toEqual([
      { id: 'r-1', record: first },
      { id: 'r-3', record: null },
      { id: 'r-2', record: second },
    ]);
    expect((await store.dueQuarantines(now, 2)).map((d) => d.id)).toEqual(['r-1', 'r-3']);
    await store.settled();
    await store.settled('r-1', 'r-3');
    expect((await store.dueQuarantines(now, 10)).map((d) => d.id)).toEqual(['r-2']);
    expect(await store.get('r-1')).toEqual(first);
  });

  it('records a quarantine once per token, and knows it announced once every route took its message', async () => {
    const prefix = fresh();
    const keys = storeKeys(prefix);
    const store = createRevocationStore(redis, prefix);
    const q = quarantined('r-1', 1, now);
    expect(await store.recordQuarantine(q)).toEqual(q);
    expect(await store.recordQuarantine(quarantined('r-2', 1, new Date(now.getTime() + HOUR)))).toEqual(q);
    const announcedIn = { sweep: 'sweep-1', routes: ['default', 'ops'] };
    expect(await store.recordQuarantine({ ...q, quarantine: { ...q.quarantine, announcedIn } })).toEqual({ ...q, quarantine: { ...q.quarantine, announcedIn } });

    expect(await store.announced(quarantine(now))).toBe(true);
    expect(await store.announced(quarantine(now, { announcedIn: { sweep: 'sweep-1', routes: [] } }))).toBe(true);
    await redis.hset(keys.digest('sweep-1', 'ops'), 'messages', '[]');
    expect(await store.announced(quarantine(now, { announcedIn }))).toBe(false);
    await redis.del(keys.digest('sweep-1', 'ops'));
    await redis.hset(keys.digest('sweep-1', 'default'), 'messages', '[]');
    expect(await store.announced(quarantine(now, { announcedIn }))).toBe(false);
    await redis.del(keys.digest('sweep-1', 'default'));
    expect(await store.announced(quarantine(now, { announcedIn }))).toBe(true);
  });
});
