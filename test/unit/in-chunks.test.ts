import { describe, expect, it } from '@jest/globals';
import { inChunks } from '../../src/core/in-chunks.js';

describe('inChunks', () => {
  it('slices the items in order, the last slice shorter, none for no item', () => {
    expect([...inChunks([1, 2, 3, 4, 5], 2)]).toEqual([[1, 2], [3, 4], [5]]);
    expect([...inChunks([1, 2, 3, 4], 2)]).toEqual([[1, 2], [3, 4]]);
    expect([...inChunks([], 3)]).toEqual([]);
  });

  it('refuses a size that would never advance', () => {
    expect(() => [...inChunks([1], 0)]).toThrow('a chunk holds at least one item, not 0');
    expect(() => [...inChunks([1], 1.5)]).toThrow(RangeError);
  });
});
