import { describe, expect, it } from '@jest/globals';
import { mapPool } from '../../src/run/map-pool.js';

describe('mapPool', () => {
  it('keeps the input order whatever order the calls end in, with at most `concurrency` in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const calls: number[] = [];
    const out = await mapPool([30, 10, 20, 0, 5], 2, async (n) => {
      calls.push(n);
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      // later items end first: resolve after as many microtask turns as the item says
      for (let i = 0; i < n; i += 1) {
        await Promise.resolve();
      }
      inFlight -= 1;
      return n * 2;
    });
    expect(out).toEqual([60, 20, 40, 0, 10]);
    expect(peak).toBe(2);
    expect(calls.sort((a, b) => a - b)).toEqual([0, 5, 10, 20, 30]);
  });

  it('calls each item once with more pullers than items, and not at all for none', async () => {
    const calls: string[] = [];
    expect(await mapPool(['a', 'b'], 8, (s) => Promise.resolve(calls.push(s)))).toHaveLength(2);
    expect(calls.sort()).toEqual(['a', 'b']);
    let called = false;
    expect(await mapPool([], 4, () => Promise.resolve((called = true)))).toEqual([]);
    expect(called).toBe(false);
  });

  it('rejects with the first failure', async () => {
    await expect(mapPool([1, 2, 3], 1, (n) => (n === 2 ? Promise.reject(new Error('two')) : Promise.resolve(n)))).rejects.toThrow('two');
  });
});
