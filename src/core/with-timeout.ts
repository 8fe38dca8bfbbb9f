export interface TimeoutOptions {
  /** Let the process exit while only this timer is pending (for bounds that must never hold a worker open). */
  readonly unref?: boolean;
}

/**
 * The promise against a timer, written once: `promise`'s outcome (value or rejection) when it settles within
 * `ms`, else `onTimeout()`'s value (or what it throws). The timer is cleared either way; a promise that loses
 * is left to itself, not cancelled.
 */
export async function withTimeout<T, U>(promise: Promise<T>, ms: number, onTimeout: () => U, options: TimeoutOptions = {}): Promise<T | U> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<U>((resolve) => {
    // Run in an executor, so a throwing onTimeout becomes the rejection.
    timer = setTimeout(() => resolve(new Promise<U>((give) => give(onTimeout()))), ms);
    if (options.unref === true) {
      timer.unref();
    }
  });
  try {
    return await Promise.race([promise, bound]);
  } finally {
    clearTimeout(timer);
  }
}
