import { describe, expect, it } from '@jest/globals';
import { muteChanges, newMuteId, toMute, type MuteEvent, type StoredMute } from '../../src/store/mute-store.js';
import { storedMute as stored } from '../support/stored-mute.js';

/** The mutes and events a run reads (the store's list and events), in memory. */
const mutesOf = (list: StoredMute[], events: MuteEvent[]) => ({ list: () => Promise.resolve(list), events: () => Promise.resolve(events) });

const NOW = new Date('2026-12-05T08:00:00.000Z');

describe('muteChanges: what a run tells of the run-time mutes', () => {
  it('is nothing without a mute store (a one-shot audit without Redis)', async () => {
    expect(await muteChanges(undefined, NOW, 90)).toEqual({ changes: [], events: 0, lapsed: [] });
  });

  it('tells every event first, oldest first, then each mute lapsed at the run, by its author; counts the events for the commit', async () => {
    const added: MuteEvent = { kind: 'added', at: '2026-12-01T00:00:00.000Z', by: 'alice', mute: stored('m-1') };
    const removed: MuteEvent = { kind: 'removed', at: '2026-12-02T00:00:00.000Z', by: 'bob', mute: stored('m-2') };
    const lapsed = stored('m-old', { by: 'carol', createdAt: '2026-11-01T00:00:00.000Z', until: '2026-12-05T08:00:00.000Z', untilText: '2026-12-04' });
    const inForce = stored('m-on', { createdAt: '2026-11-01T00:00:00.000Z', until: '2026-12-05T08:00:00.001Z' });
    const out = await muteChanges(mutesOf([inForce, lapsed], [added, removed]), NOW, 90);
    expect(out).toEqual({ changes: [added, removed, { kind: 'lapsed', by: 'carol', mute: lapsed }], events: 2, lapsed: ['m-old'] });
  });

  it('a mute cut to mutes.maxDays is told as lapsed with the cut it was applied until', async () => {
    const far = stored('m-far', { createdAt: '2026-11-01T00:00:00.000Z', until: '2035-01-01T00:00:00.000Z', untilText: '2034-12-31' });
    const out = await muteChanges(mutesOf([far], []), NOW, 30);
    expect(out.changes).toEqual([{ kind: 'lapsed', by: 'alice', mute: { ...far, until: '2026-12-01T00:00:00.000Z', untilText: '2026-12-01T00:00:00.000Z' } }]);
    expect(out.events).toBe(0);
  });
});

describe('toMute and newMuteId', () => {
  it('a stored mute is applied as a mute from Redis with its fields as stored', () => {
    expect(toMute(stored('m-1'), 3650)).toEqual({
      id: 'm-1',
      source: 'redis',
      rule: 'stale',
      clientId: 456,
      tokenId: 101,
      reason: 'kept in the vault',
      by: 'alice',
      until: new Date('2027-01-01T00:00:00.000Z'),
      untilText: '2026-12-31',
    });
  });

  it('a new id is short, typed easily, and another each time', () => {
    const ids = new Set(Array.from({ length: 20 }, () => newMuteId()));
    expect(ids.size).toBe(20);
    for (const id of ids) {
      expect(id).toMatch(/^m-[0-9a-f]{8}$/);
    }
  });
});
