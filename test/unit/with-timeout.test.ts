import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { withTimeout } from '../../src/core/with-timeout.js';

/** A promise settled from outside the test body, so the test decides which of the two comes first. */
function deferred<T>() {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const timersKeepingAlive = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('withTimeout', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it("gives the promise's value when it settles first, and leaves no timer behind", async () => {
    jest.useFakeTimers();
    await expect(withTimeout(Promise.resolve('done'), 1000, () => 'late')).resolves.toBe('done');
    expect(jest.getTimerCount()).toBe(0);
  });

  it("passes the promise's rejection through (not turned into the time-out), timer cleared", async () => {
    jest.useFakeTimers();
    await expect(withTimeout(Promise.reject(new Error('boom')), 1000, () => 'late')).rejects.toThrow('boom');
    expect(jest.getTimerCount()).toBe(0);
  });

  it("gives onTimeout's value once exactly `ms` have passed, not before, and calls it once", async () => {
    jest.useFakeTimers();
    const onTimeout = jest.fn(() => 'timeout' as const);
    const result = withTimeout(new Promise<never>(() => undefined), 5000, onTimeout);
    let settled = false;
    void result.then(() => (settled = true));
    await jest.advanceTimersByTimeAsync(4999);
    expect(settled).toBe(false);
    expect(onTimeout).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toBe('timeout');
    expect(onTimeout).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rejects with what onTimeout throws', async () => {
    jest.useFakeTimers();
    const result = withTimeout(new Promise<never>(() => undefined), 10, () => {
      throw new Error('too slow');
    });
    const settled = expect(result).rejects.toThrow('too slow');
    await jest.advanceTimersByTimeAsync(10);
    await settled;
  });

  it('a late settlement of the promise does not change a time-out already given', async () => {
    jest.useFakeTimers();
    const late = deferred<string>();
    const result = withTimeout(late.promise, 100, () => 'timeout');
    await jest.advanceTimersByTimeAsync(100);
    late.resolve('done');
    await expect(result).resolves.toBe('timeout');
  });

  it('with unref, its timer does not keep the process alive; without, it does', async () => {
    const before = timersKeepingAlive();
    const held = deferred<string>();
    const refd = withTimeout(held.promise, 60_000, () => 'timeout');
    expect(timersKeepingAlive()).toBe(before + 1);
    held.resolve('done');
    await expect(refd).resolves.toBe('done');
    expect(timersKeepingAlive()).toBe(before);

    const free = deferred<string>();
    const unrefd = withTimeout(free.promise, 60_000, () => 'timeout', { unref: true });
    expect(timersKeepingAlive()).toBe(before);
    free.resolve('done');
    await expect(unrefd).resolves.toBe('done');
  });
});
