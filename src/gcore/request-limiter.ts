import { setTimeout as sleep } from 'node:timers/promises';
/**
 * Bounds requests in flight (`concurrency`) and, optionally, how often one may start (`ratePerSecond`).
 * One limiter is shared by every account of a run, so the bounds hold for the process as a whole.
 */
export interface RequestLimiter {
  /** Runs `task` once a slot is free. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Resolves when the rate allows another request to start (each retry attempt waits here too). */
  pace(): Promise<void>;
}

export function createRequestLimiter(options: {
  concurrency: number;
  ratePerSecond?: number | undefined;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}): RequestLimiter {
  const pause = options.sleep ?? sleep;
  const now = options.now ?? Date.now;
  const interval = options.ratePerSecond ? 1000 / options.ratePerSecond : 0;
  let active = 0;
  const waiting: (() => void)[] = [];
  let nextStart = 0;

  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (active >= options.concurrency) {
        await new Promise<void>((resolve) => waiting.push(resolve));
      } else {
        active += 1;
      }
      try {
        return await task();
      } finally {
        const next = waiting.shift();
        if (next) {
          next(); // the slot passes straight to the next waiter
        } else {
          active -= 1;
        }
      }
    },
    async pace(): Promise<void> {
      if (interval === 0) {
        return;
      }
      // Reserve the next start slot synchronously, so concurrent callers queue up one interval apart.
      const t = now();
      const start = Math.max(t, nextStart);
      nextStart = start + interval;
      if (start > t) {
        await pause(start - t);
      }
    },
  };
}
