import { describe, expect, it } from '@jest/globals';
import { tokenIdSet } from '../../src/core/token-id-set.js';

describe('tokenIdSet', () => {
  it('holds a token by its account and id, each pair apart', () => {
    const set = tokenIdSet([
      { clientId: 456, tokenId: 7 },
      { clientId: 789, tokenId: 8 },
    ]);
    expect(set.has(456, 7)).toBe(true);
    expect(set.has(789, 8)).toBe(true);
    expect(set.has(456, 8)).toBe(false); // the same id in another account is another token
    expect(set.has(789, 7)).toBe(false);
    expect(set.has(123, 7)).toBe(false); // an account never added
  });

  it('says whether an add was new, and keeps what was added', () => {
    const set = tokenIdSet();
    expect(set.has(456, 7)).toBe(false);
    expect(set.add(456, 7)).toBe(true);
    expect(set.add(456, 7)).toBe(false);
    expect(set.add(456, 9)).toBe(true);
    expect(set.has(456, 7)).toBe(true);
    expect(set.has(456, 9)).toBe(true);
  });
});
