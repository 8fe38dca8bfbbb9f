import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { createHeartbeat } from '../../src/app/worker/heartbeat.js';

describe('createHeartbeat', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('enqueues one beat at start and one every interval, each with its slot, until stopped', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const beats: [string, number][] = [];
    const heartbeat = createHeartbeat({ addHeartbeat: (replica, slot) => Promise.resolve(void beats.push([replica, slot])) }, 'r1', 10_000);
    expect(beats).toEqual([]);
    heartbeat.start();
    expect(beats).toEqual([['r1', 100]]);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(beats).toEqual([
      ['r1', 100],
      ['r1', 101],
    ]);
    heartbeat.stop();
    await jest.advanceTimersByTimeAsync(30_000);
    expect(beats).toHaveLength(2);
  });

  it('a beat Redis refuses is not an unhandled rejection: the next one is still sent', async () => {
    jest.useFakeTimers();
    let calls = 0;
    const heartbeat = createHeartbeat({ addHeartbeat: () => Promise.reject(new Error(`refused ${++calls}`)) }, 'r1', 1000);
    heartbeat.start();
    await jest.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(2);
    heartbeat.stop();
  });

  it('counts the time since a beat was last taken, from its creation until the first', async () => {
    jest.useFakeTimers();
    const heartbeat = createHeartbeat({ addHeartbeat: () => Promise.resolve() }, 'r1', 1000);
    await jest.advanceTimersByTimeAsync(5000);
    expect(heartbeat.sinceMs()).toBe(5000);
    heartbeat.taken();
    expect(heartbeat.sinceMs()).toBe(0);
    await jest.advanceTimersByTimeAsync(1500);
    expect(heartbeat.sinceMs()).toBe(1500);
  });
});
