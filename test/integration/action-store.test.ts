import { afterAll, describe, expect, it } from '@jest/globals';
import type { Acknowledgement } from '../../src/core/acknowledgement.js';
import { stateKey } from '../../src/alerts/plan-alerts.js';
import { ACTION_DEDUPE_SECONDS, createActionStore } from '../../src/store/action-store.js';
import { storeKeys } from '../../src/store/store-keys.js';
import { finding } from '../support/findings.js';
import { stateOf, testRedis } from '../support/store-fixtures.js';

const { redis, prefix: base } = testRedis();
afterAll(() => redis.quit());
let n = 0;
const fresh = () => `${base}-actions-${(n += 1)}`;

const ack = (tokenId: number, until: string, by = 'U1'): Acknowledgement => ({
  findingId: finding(tokenId).id,
  clientId: 456,
  tokenId,
  rule: 'stale',
  by,
  name: 'ann',
  at: '2026-12-01T00:00:00.000Z',
  until,
});

describe('action store (real Redis): what the Slack actions keep', () => {
  it('keeps the acknowledgements in force, a later one of a finding replacing the earlier, and drops the lapsed with the next', async () => {
    const prefix = fresh();
    const store = createActionStore(redis, prefix);
    const day1 = new Date('2026-12-02T00:00:00.000Z');
    await store.acknowledge([ack(1, '2026-12-03T00:00:00.000Z'), ack(2, '2026-12-10T00:00:00.000Z')], day1);
    await store.acknowledge([ack(2, '2026-12-12T00:00:00.000Z', 'U2')], day1);
    expect(await store.acknowledged(day1)).toEqual(new Map([
      [ack(1, '').findingId, ack(1, '2026-12-03T00:00:00.000Z')],
      [ack(2, '').findingId, ack(2, '2026-12-12T00:00:00.000Z', 'U2')],
    ]));
    // At its `until`, the first is no longer in force: not answered, and dropped by the next acknowledgement.
    const day3 = new Date('2026-12-03T00:00:00.000Z');
    expect([...(await store.acknowledged(day3)).keys()]).toEqual([ack(2, '').findingId]);
    expect(await redis.hlen(storeKeys(prefix).acks)).toBe(2);
    await store.acknowledge([ack(3, '2026-12-20T00:00:00.000Z')], day3);
    expect((await redis.hkeys(storeKeys(prefix).acks)).sort()).toEqual([ack(2, '').findingId, ack(3, '').findingId].sort());
    // Nothing new to record: the lapsed still go.
    await store.acknowledge([], new Date('2026-12-15T00:00:00.000Z'));
    expect(await redis.hkeys(storeKeys(prefix).acks)).toEqual([ack(3, '').findingId]);
  });

  it("finds a token's open findings by their ids in every route asked, each finding once", async () => {
    const prefix = fresh();
    const store = createActionStore(redis, prefix);
    const stale = finding(101, 'stale');
    const never = finding(101, 'never-used');
    const other = finding(102, 'stale');
    const inOps = { ...stateOf(stale), key: stateKey('ops', stale.id), route: 'ops' };
    await redis.hset(storeKeys(prefix).findings, {
      [stateOf(stale).key]: JSON.stringify(stateOf(stale)),
      [inOps.key]: JSON.stringify(inOps),
      [stateKey('ops', never.id)]: JSON.stringify({ ...stateOf(never), key: stateKey('ops', never.id), route: 'ops' }),
      [stateOf(other).key]: JSON.stringify(stateOf(other)),
    });
    const found = await store.openFindingsOf(456, 101, [stateOf(stale).route, 'ops']);
    expect(found.map((f) => f.id).sort()).toEqual([stale.id, never.id].sort());
    expect(found.find((f) => f.id === never.id)).toEqual(never);
    expect(await store.openFindingsOf(456, 101, [stateOf(stale).route])).toEqual([stale]);
    expect(await store.openFindingsOf(456, 103, [stateOf(stale).route, 'ops'])).toEqual([]);
  });

  it('says true once for the same parts within a day, and keys them by a digest of nothing readable', async () => {
    const prefix = fresh();
    const store = createActionStore(redis, prefix);
    expect(await store.firstTime(['T1', 'action-1'])).toBe(true);
    expect(await store.firstTime(['T1', 'action-1'])).toBe(false);
    expect(await store.firstTime(['T1', 'action-2'])).toBe(true);
    // Parts are told apart as a list, not as their joined text.
    expect(await store.firstTime(['T1a', 'ction-1'])).toBe(true);
    const done = await redis.keys(`${prefix}:actions:done:*`);
    expect(done).toHaveLength(3);
    for (const key of done) {
      expect(key).toMatch(new RegExp(`^${prefix}:actions:done:[0-9a-f]{32}$`));
      const ttl = await redis.ttl(key);
      expect(ttl).toBeGreaterThan(ACTION_DEDUPE_SECONDS - 60);
      expect(ttl).toBeLessThanOrEqual(ACTION_DEDUPE_SECONDS);
    }
    expect(ACTION_DEDUPE_SECONDS).toBe(86_400);
  });

  it('remembers a message as it now reads, by channel and ts, for a day; null for one never remembered', async () => {
    const prefix = fresh();
    const store = createActionStore(redis, prefix);
    const message = { text: 'fallback', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }] };
    expect(await store.message('C1', '1.000')).toBeNull();
    await store.rememberMessage('C1', '1.000', message);
    expect(await store.message('C1', '1.000')).toEqual(message);
    expect(await store.message('C1', '2.000')).toBeNull();
    expect(await store.message('C2', '1.000')).toBeNull();
    const [key] = await redis.keys(`${prefix}:actions:message:*`);
    expect(key).toMatch(/:actions:message:[0-9a-f]{32}$/);
    expect(await redis.ttl(key ?? '')).toBeGreaterThan(ACTION_DEDUPE_SECONDS - 60);
  });
});
