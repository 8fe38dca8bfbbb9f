import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { within } from '../../src/core/within.js';

describe('within', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('is true when the promise resolves before the bound, and leaves no timer behind', async () => {
    jest.useFakeTimers();
    await expect(within(Promise.resolve('done'), 1000)).resolves.toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('is true when the promise rejects before the bound (settled either way)', async () => {
    jest.useFakeTimers();
    await expect(within(Promise.reject(new Error('boom')), 1000)).resolves.toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('is false when the bound comes first, and the bound is the given number of milliseconds', async () => {
    jest.useFakeTimers();
    const never = new Promise<never>(() => undefined);
    const result = within(never, 5000);
    let settled = false;
    void result.then(() => (settled = true));
    await jest.advanceTimersByTimeAsync(4999);
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toBe(false);
  });
});
