import type { StoredMute } from '../../src/store/mute-store.js';

/** A run-time mute as `mute add` stores it: stale on token 101 of account 456, by alice, until 2027. */
export const storedMute = (id: string, overrides: Partial<StoredMute> = {}): StoredMute => ({
  id,
  rule: 'stale',
  clientId: 456,
  tokenId: 101,
  reason: 'kept in the vault',
  by: 'alice',
  until: '2027-01-01T00:00:00.000Z',
  untilText: '2026-12-31',
  createdAt: '2026-11-29T12:00:00.000Z',
  ...overrides,
});
