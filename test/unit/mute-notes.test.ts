import { describe, expect, it } from '@jest/globals';
import { muteNotes, type MuteChange } from '../../src/alerts/mute-notes.js';

const mute: MuteChange['mute'] = { id: 'm-1', rule: 'stale', clientId: 456, tokenId: 101, reason: 'CI migration', by: 'alice', untilText: '2026-12-31' };

describe('muteNotes', () => {
  it('tells who added a mute, what it matches, until when and why', () => {
    expect(muteNotes([{ kind: 'added', by: 'bob', mute }])).toEqual(['🔇 bob muted stale on token 101 (account 456) until 2026-12-31: CI migration (m-1)']);
  });

  it('tells who removed a mute and who had added it', () => {
    expect(muteNotes([{ kind: 'removed', by: 'bob', mute }])).toEqual(['🔔 bob unmuted stale on token 101 (account 456) (m-1; muted by alice: CI migration)']);
  });

  it('tells that a mute lapsed, naming who had added it and when it ended', () => {
    expect(muteNotes([{ kind: 'lapsed', by: 'alice', mute }])).toEqual(['⏰ The mute of stale on token 101 (account 456) by alice lapsed on 2026-12-31: CI migration (m-1)']);
  });

  it('says "someone" wherever the person is not known', () => {
    const anonymous = { ...mute, by: null };
    expect(muteNotes([{ kind: 'added', by: null, mute: anonymous }, { kind: 'removed', by: null, mute: anonymous }, { kind: 'lapsed', by: null, mute: anonymous }])).toEqual([
      '🔇 someone muted stale on token 101 (account 456) until 2026-12-31: CI migration (m-1)',
      '🔔 someone unmuted stale on token 101 (account 456) (m-1; muted by someone: CI migration)',
      '⏰ The mute of stale on token 101 (account 456) by someone lapsed on 2026-12-31: CI migration (m-1)',
    ]);
  });

  it('names a broad mute by what it matches, one line per change in order', () => {
    const everyRule = { ...mute, rule: null, tokenId: null };
    expect(muteNotes([{ kind: 'added', by: 'bob', mute: everyRule }, { kind: 'lapsed', by: 'bob', mute }])).toEqual([
      '🔇 bob muted every rule on account 456 until 2026-12-31: CI migration (m-1)',
      '⏰ The mute of stale on token 101 (account 456) by alice lapsed on 2026-12-31: CI migration (m-1)',
    ]);
    expect(muteNotes([])).toEqual([]);
  });
});
