import { describe, expect, it, jest } from '@jest/globals';
import { createRequestLimiter } from '../../src/gcore/request-limiter.js';

describe('request limiter', () => {
  it('spaces request starts by 1/ratePerSecond', async () => {
    let now = 1000;
    const sleeps: number[] = [];
    const limiter = createRequestLimiter({
      concurrency: 10,
      ratePerSecond: 4,
      now: () => now,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    });
    await Promise.all([limiter.pace(), limiter.pace(), limiter.pace()]);
    expect(sleeps).toEqual([250, 500]);
    now = 5000; // long idle: no debt carried over
    await limiter.pace();
    expect(sleeps).toEqual([250, 500]);
  });

  it('runs at most `concurrency` tasks at once and all of them eventually', async () => {
    const limiter = createRequestLimiter({ concurrency: 2 });
    let active = 0;
    let peak = 0;
    const task = async (i: number) => {
      active += 1;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5));
      active -= 1;
      return i;
    };
    const results = await Promise.all(Array.from({ length: 9 }, (_, i) => limiter.run(() => task(i))));
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(peak).toBe(2);
  });

  it('frees the slot when a task fails', async () => {
    const limiter = createRequestLimiter({ concurrency: 1 });
    await expect(limiter.run(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(await limiter.run(() => Promise.resolve('next'))).toBe('next');
  });

  it('without a rate never waits, even when the clock steps back', async () => {
    const sleeps: number[] = [];
    const times = [5000, 1000, 3000];
    const limiter = createRequestLimiter({
      concurrency: 1,
      now: () => times.shift() ?? 0,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    });
    await Promise.all([limiter.pace(), limiter.pace(), limiter.pace()]);
    expect(sleeps).toEqual([]);
  });

  it('waits on a timer when no sleep is given', async () => {
    jest.useFakeTimers({ now: 0 });
    try {
      const limiter = createRequestLimiter({ concurrency: 1, ratePerSecond: 10, now: () => 0 });
      await limiter.pace();
      let paced = false;
      const second = limiter.pace().then(() => {
        paced = true;
      });
      await jest.advanceTimersByTimeAsync(99);
      expect(paced).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      await second;
      expect(paced).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });
});
