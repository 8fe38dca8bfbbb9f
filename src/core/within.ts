import { withTimeout } from './with-timeout.js';

/** True when `promise` settled (either way) within `ms`; false when the bound came first (the promise is left to itself). */
export function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return withTimeout(
    promise.then(
      () => true,
      () => true,
    ),
    ms,
    () => false,
  );
}
