import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from '@jest/globals';
import { StateConflictError } from '../../src/core/errors.js';
import { createMuteStore, muteChanges, toMute, type StoredMute } from '../../src/store/mute-store.js';
import { createRunCommitter } from '../../src/store/commit-run.js';
import { commitOf, testRedis } from '../support/store-fixtures.js';
import { storedMute as stored } from '../support/stored-mute.js';

const { redis, prefix: base } = testRedis();
afterAll(() => redis.quit());
let n = 0;
const fresh = () => `${base}-mutes-${(n += 1)}`;

describe('run-time mutes (real Redis)', () => {
  it('documents its KEYS and ARGV', () => {
    const lua = readFileSync('src/store/lua/remove-mute.lua', 'utf8');
    expect(lua).toMatch(/KEYS\[1\] mutes/);
    expect(lua).toMatch(/ARGV\[3\] who removed it/);
  });

  it('adds and removes mutes under the prefix, recording each change as an event, oldest first', async () => {
    const prefix = fresh();
    const mutes = createMuteStore(redis, prefix);
    await mutes.add(stored('m-1'));
    await mutes.add(stored('m-2', { rule: null, tokenId: null, createdAt: '2026-11-29T12:01:00.000Z' }));
    expect((await mutes.list()).map((m) => m.id)).toEqual(['m-1', 'm-2']);
    expect(toMute((await mutes.list())[1] as StoredMute, 3650)).toMatchObject({ source: 'redis', rule: null, clientId: 456, tokenId: null, until: new Date('2027-01-01T00:00:00Z') });

    expect(await mutes.remove('m-1', 'bob', new Date('2026-11-30T00:00:00Z'))).toEqual(stored('m-1'));
    expect(await mutes.remove('m-1', 'bob', new Date('2026-11-30T00:00:00Z'))).toBeNull();
    expect(await mutes.remove('m-nope', 'bob', new Date())).toBeNull();
    expect((await mutes.list()).map((m) => m.id)).toEqual(['m-2']);
    const events = await mutes.events();
    expect(events.map((e) => `${e.kind} ${e.mute.id} by ${e.by}`)).toEqual(['added m-1 by alice', 'added m-2 by alice', 'removed m-1 by bob']);
    expect(events[2]?.mute).toEqual(stored('m-1'));
    expect((await redis.keys(`${prefix}*`)).sort()).toEqual([`${prefix}:alerts:mute-events`, `${prefix}:alerts:mutes`]);
  });

  it('a commit consumes the events it told and deletes lapsed mutes; a refused or repeated commit consumes nothing', async () => {
    const prefix = fresh();
    const mutes = createMuteStore(redis, prefix);
    const committer = createRunCommitter(redis, prefix);
    await mutes.add(stored('m-1'));
    await mutes.add(stored('m-2'));
    await mutes.add(stored('m-lapsed', { until: '2026-01-01T00:00:00.000Z' }));
    const told = { events: 3, lapsed: ['m-lapsed'] };
    await mutes.add(stored('m-late')); // added after the run read the events: told by the next run

    await expect(committer.commitRun(commitOf('r1', { version: 7, mutes: told }))).rejects.toBeInstanceOf(StateConflictError);
    expect(await mutes.events()).toHaveLength(4);
    expect((await mutes.list()).map((m) => m.id)).toContain('m-lapsed');

    expect(await committer.commitRun(commitOf('r1', { mutes: told }))).toBe('committed');
    expect((await mutes.events()).map((e) => e.mute.id)).toEqual(['m-late']);
    expect((await mutes.list()).map((m) => m.id).sort()).toEqual(['m-1', 'm-2', 'm-late']);

    expect(await committer.commitRun(commitOf('r1', { version: 1, mutes: { events: 1, lapsed: ['m-1'] } }))).toBe('already-committed');
    expect((await mutes.events()).map((e) => e.mute.id)).toEqual(['m-late']);
    expect((await mutes.list()).map((m) => m.id)).toContain('m-1');

    expect(await committer.commitRun(commitOf('r2', { version: 1 }))).toBe('committed'); // no mutes told: none consumed
    expect(await mutes.events()).toHaveLength(1);
  });

  it('a mute stored past the run\'s mutes.maxDays lapses at its cut: told and deleted then, not in 2035', async () => {
    const mutes = createMuteStore(redis, fresh());
    await mutes.add(stored('m-far', { until: '2035-01-01T00:00:00.000Z', untilText: '2034-12-31' }));
    const before = await muteChanges(mutes, new Date('2027-02-27T11:59:59.999Z'), 90);
    expect(before.lapsed).toEqual([]);
    const after = await muteChanges(mutes, new Date('2027-02-27T12:00:00.000Z'), 90);
    expect(after.lapsed).toEqual(['m-far']);
    expect(after.changes.at(-1)).toMatchObject({ kind: 'lapsed', mute: { id: 'm-far', until: '2027-02-27T12:00:00.000Z' } });
    // A run allowing ten years keeps it.
    expect((await muteChanges(mutes, new Date('2027-02-27T12:00:00.000Z'), 3650)).lapsed).toEqual([]);
  });

  it('lists mutes oldest first, by id when added at the same instant, whatever the order they were added in', async () => {
    const mutes = createMuteStore(redis, fresh());
    await mutes.add(stored('m-0', { createdAt: '2026-11-29T12:01:00.000Z' }));
    // Eight at one instant: a hash of mutes this long comes back from Redis in no set order, so only the tie-break sorts them.
    for (const id of ['m-5', 'm-2', 'm-8', 'm-1', 'm-7', 'm-3', 'm-6', 'm-4']) {
      await mutes.add(stored(id));
    }
    expect((await mutes.list()).map((m) => m.id)).toEqual(['m-1', 'm-2', 'm-3', 'm-4', 'm-5', 'm-6', 'm-7', 'm-8', 'm-0']);
  });
});
